import Units

/// The request families a fault can target.
public enum FaultEndpoint: String, Sendable, CaseIterable {
  case submit, fetch, cdn, discord
}

/// One configured fault: where, what, an optional argument, and either a rate or a count.
public struct FaultRule: Sendable, Equatable {
  public var endpoint: FaultEndpoint
  public var kind: FaultKind
  public var arg: String?
  /// Probability in [0, 1] used when `remaining` is nil.
  public var rate: Double
  /// Requests still to be hit; nil means "use `rate`".
  public var remaining: Int?
  /// Matching requests to let through untouched before the fault starts (`after`).
  public var skip: Int = 0

  public init(
    endpoint: FaultEndpoint, kind: FaultKind, arg: String? = nil, rate: Double = 1, remaining: Int? = nil
  ) {
    self.endpoint = endpoint
    self.kind = kind
    self.arg = arg
    self.rate = rate
    self.remaining = remaining
  }

  /// Stats key, e.g. `submit:http500`.
  public var statsKey: String { "\(endpoint.rawValue):\(kind.rawValue)" }

  /// Parses `ENDPOINT:KIND[:ARG][@RATE|#COUNT]`.
  public static func parse(_ text: String) throws(EmulatorError) -> FaultRule {
    var body = Substring(text)
    var rate = 1.0
    var count: Int?
    if let at = body.lastIndex(where: { $0 == "@" || $0 == "#" }) {
      let suffix = String(body[body.index(after: at)...])
      if body[at] == "@" {
        guard let value = Double(suffix), value >= 0, value <= 1 else {
          throw EmulatorError("fault '\(text)': rate must be a number in 0...1")
        }
        rate = value
      } else {
        guard let value = Int(suffix), value >= 0 else {
          throw EmulatorError("fault '\(text)': count must be a non-negative integer")
        }
        count = value
      }
      body = body[..<at]
    }
    let parts = body.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    guard parts.count >= 2 else {
      throw EmulatorError("fault '\(text)': expected ENDPOINT:KIND[:ARG][@RATE|#COUNT]")
    }
    return try make(
      endpoint: parts[0], kind: parts[1], arg: parts.count > 2 ? parts[2] : nil, rate: rate, count: count)
  }

  /// Parses the control-API form `{"endpoint","kind","arg"?,"rate"?,"count"?}`.
  public static func parse(json: EmulatorJSON) throws(EmulatorError) -> FaultRule {
    guard let endpoint = json["endpoint"]?.stringValue, let kind = json["kind"]?.stringValue else {
      throw EmulatorError("fault needs string fields 'endpoint' and 'kind'")
    }
    var arg: String?
    switch json["arg"] {
    case .none, .some(.null): arg = nil
    case .some(.string(let s)): arg = s
    case .some(let other):
      guard let number = other.doubleValue else {
        throw EmulatorError("fault 'arg' must be a string or number")
      }
      arg = number.rounded() == number ? String(Int64(number)) : String(number)
    }
    var rate = 1.0
    if let value = json["rate"], value != .null {
      guard let number = value.doubleValue, number >= 0, number <= 1 else {
        throw EmulatorError("fault 'rate' must be a number in 0...1")
      }
      rate = number
    }
    var count: Int?
    if let value = json["count"], value != .null {
      guard let number = value.int64Value, number >= 0, number < Int64(Int32.max) else {
        throw EmulatorError("fault 'count' must be a non-negative integer")
      }
      count = Int(number)
    }
    var rule = try make(endpoint: endpoint, kind: kind, arg: arg, rate: rate, count: count)
    if let value = json["after"], value != .null {
      guard let number = value.int64Value, number >= 0, number < Int64(Int32.max) else {
        throw EmulatorError("fault 'after' must be a non-negative integer")
      }
      rule.skip = Int(number)
    }
    return rule
  }

  private static func make(
    endpoint: String, kind: String, arg: String?, rate: Double, count: Int?
  ) throws(EmulatorError) -> FaultRule {
    guard let parsedEndpoint = FaultEndpoint(rawValue: endpoint) else {
      let names = FaultEndpoint.allCases.map(\.rawValue).joined(separator: "|")
      throw EmulatorError("unknown fault endpoint '\(endpoint)' (expected \(names))")
    }
    guard let parsedKind = FaultKind(rawValue: kind) else {
      throw EmulatorError("unknown fault kind '\(kind)' (ttapi-emulator --help lists them)")
    }
    guard parsedKind.applies(to: parsedEndpoint) else {
      let allowed = parsedKind.endpoints.map(\.rawValue).joined(separator: ", ")
      throw EmulatorError(
        "fault kind '\(kind)' does not apply to endpoint '\(endpoint)' (only to \(allowed))")
    }
    let rule = FaultRule(endpoint: parsedEndpoint, kind: parsedKind, arg: arg, rate: rate, remaining: count)
    try rule.validateArgument()
    return rule
  }

  private func validateArgument() throws(EmulatorError) {
    guard let arg, !arg.isEmpty else { return }
    switch kind {
    case .http429:
      guard let seconds = Int(arg), seconds >= 0 else {
        throw EmulatorError("http429 argument must be whole seconds")
      }
    case .slow:
      guard UnitParsing.duration(arg) != nil else {
        throw EmulatorError("slow argument must be a duration like 2s")
      }
    case .truncatedBody, .oversizeBody, .cutImage:
      guard UnitParsing.byteSize(arg) != nil else {
        throw EmulatorError("\(kind.rawValue) argument must be a size")
      }
    case .gzipBomb:
      guard let size = UnitParsing.byteSize(arg), size > 0, size <= Self.maxBombSize else {
        throw EmulatorError("gzipBomb argument must be a size from 1 byte to 4GiB, like 256MiB")
      }
    case .trickle:
      guard let interval = UnitParsing.duration(arg), interval > .zero else {
        throw EmulatorError("trickle argument must be a duration above zero, like 500ms")
      }
    case .retryAfterDate:
      guard let seconds = Int(arg), seconds >= 0, seconds <= 86_400 * 366 else {
        throw EmulatorError("retryAfterDate argument must be whole seconds (0 to a year), like 2")
      }
    case .redirect:
      guard let status = Int(arg), (300...399).contains(status) else {
        throw EmulatorError("redirect argument must be a 3xx status, like 307 or 308")
      }
    default:
      break
    }
  }

  /// Largest decoded size `gzipBomb` accepts (gzip records sizes modulo 4 GiB).
  static let maxBombSize = 1 << 32
  /// Decoded size of `gzipBomb` without an argument.
  static let defaultBombSize = 256 * 1_048_576

  /// Seconds for `Retry-After` (http429).
  var retryAfterSeconds: Int { arg.flatMap { Int($0) } ?? 1 }
  /// How far ahead the `Retry-After` date of `retryAfterDate` lies.
  var retryAfterDateSeconds: Int { arg.flatMap { Int($0) } ?? 2 }
  /// Delay for `slow`.
  var slowDelay: Duration { arg.flatMap { UnitParsing.duration($0) } ?? .seconds(2) }
  /// Pause between two body bytes for `trickle`.
  var trickleInterval: Duration { arg.flatMap { UnitParsing.duration($0) } ?? .milliseconds(500) }
  /// Status of the `redirect` answer.
  var redirectStatus: Int { arg.flatMap { Int($0) } ?? 308 }
  /// Bytes for `truncatedBody` and `cutImage` (nil: half the body), `oversizeBody` and `gzipBomb`.
  var sizeArgument: Int? { arg.flatMap { UnitParsing.byteSize($0) } }

  /// The control-API JSON form.
  public var json: EmulatorJSON {
    var pairs: [(String, EmulatorJSON)] = [
      ("endpoint", .string(endpoint.rawValue)), ("kind", .string(kind.rawValue)),
    ]
    if let arg { pairs.append(("arg", .string(arg))) }
    if skip > 0 { pairs.append(("after", .int(Int64(skip)))) }
    if let remaining {
      pairs.append(("count", .int(Int64(remaining))))
    } else {
      pairs.append(("rate", .double(rate)))
    }
    return .object(pairs)
  }
}
