import Units

/// Knobs of the emulator, set from the command line and changeable through `/_emulator/config`.
public struct EmulatorSettings: Sendable {
  public var host: String
  public var port: Int
  public var apiKey: String
  public var jobDuration: Duration
  public var latency: Duration
  /// Substring of targetImage/swapImage → FAILED message, checked in sorted-key order.
  public var failWhen: [String: String]
  public var faults: [FaultRule]
  public var maxRunning: Int?
  public var cdnTTL: Duration
  public var drift: Bool
  public var seed: UInt64
  /// Size in bytes every result PNG is padded to (see `PNGEncoder.padded`); nil: natural size.
  public var resultSize: Int?
  /// Base URL of handed-out result URLs (`<cdnBase>/cdn/<jobId>.png?ex=..&sig=..`), e.g. a static
  /// server holding copies of the results; nil: the emulator itself.
  public var cdnBase: String?

  /// Message used when `--fail-when` gives none.
  public static let defaultFailMessage = "face not detected"

  public init(
    host: String = "127.0.0.1",
    port: Int = 0,
    apiKey: String,
    jobDuration: Duration = .milliseconds(300),
    latency: Duration = .zero,
    failWhen: [String: String] = [:],
    faults: [FaultRule] = [],
    maxRunning: Int? = nil,
    cdnTTL: Duration = .seconds(3_600),
    drift: Bool = false,
    seed: UInt64 = 1,
    resultSize: Int? = nil,
    cdnBase: String? = nil
  ) {
    self.host = host
    self.port = port
    self.apiKey = apiKey
    self.jobDuration = jobDuration
    self.latency = latency
    self.failWhen = failWhen
    self.faults = faults
    self.maxRunning = maxRunning
    self.cdnTTL = cdnTTL
    self.drift = drift
    self.seed = seed
    self.resultSize = resultSize
    self.cdnBase = cdnBase
  }

  /// Checks a CDN base: an http(s) URL with a host; a trailing `/` is dropped.
  public static func parseCDNBase(_ text: String) throws(EmulatorError) -> String {
    let base = text.hasSuffix("/") ? String(text.dropLast()) : text
    guard EmulatorAPI.isHTTPURL(base), !base.contains("?"), !base.contains("#") else {
      throw EmulatorError("CDN base must be an http(s) URL without query, e.g. http://127.0.0.1:8080")
    }
    return base
  }

  /// Parses `SUBSTRING[=MESSAGE]` (split at the first `=`).
  public static func parseFailWhen(_ text: String) throws(EmulatorError) -> (String, String) {
    let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    let substring = String(parts[0])
    guard !substring.isEmpty else { throw EmulatorError("--fail-when needs a non-empty substring") }
    let message = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : defaultFailMessage
    return (substring, message)
  }

  /// The FAILED message for a pair, if any `failWhen` substring occurs in either URL.
  func failureMessage(targetImage: String, swapImage: String) -> String? {
    for key in failWhen.keys.sorted() where targetImage.contains(key) || swapImage.contains(key) {
      return failWhen[key]
    }
    return nil
  }

  /// Applies a `/_emulator/config` body: only the fields present are replaced.
  mutating func apply(config json: EmulatorJSON) throws(EmulatorError) {
    guard case .object(let pairs) = json else { throw EmulatorError("config body must be a JSON object") }
    var next = self
    for (key, value) in pairs {
      switch key {
      case "jobDurationMs": next.jobDuration = try Self.milliseconds(value, key)
      case "latencyMs": next.latency = try Self.milliseconds(value, key)
      case "cdnTTLms", "cdnTtlMs": next.cdnTTL = try Self.milliseconds(value, key)
      case "drift":
        guard let flag = value.boolValue else { throw EmulatorError("'drift' must be true or false") }
        next.drift = flag
      case "seed":
        guard let seed = value.int64Value, seed >= 0 else {
          throw EmulatorError("'seed' must be a non-negative integer")
        }
        next.seed = UInt64(seed)
      case "maxRunning":
        if value == .null {
          next.maxRunning = nil
        } else {
          guard let limit = value.int64Value, limit >= 0, limit < Int64(Int32.max) else {
            throw EmulatorError("'maxRunning' must be a non-negative integer or null")
          }
          next.maxRunning = Int(limit)
        }
      case "resultSize":
        if value == .null {
          next.resultSize = nil
        } else {
          guard let size = value.int64Value, size >= 0, size <= Int64(Int32.max) else {
            throw EmulatorError("'resultSize' must be a non-negative integer (bytes) or null")
          }
          next.resultSize = Int(size)
        }
      case "cdnBase":
        if value == .null {
          next.cdnBase = nil
        } else {
          guard let text = value.stringValue else {
            throw EmulatorError("'cdnBase' must be an http(s) URL string or null")
          }
          next.cdnBase = try Self.parseCDNBase(text)
        }
      case "failWhen":
        guard case .object(let entries) = value else { throw EmulatorError("'failWhen' must be an object") }
        var map: [String: String] = [:]
        for (substring, message) in entries {
          guard !substring.isEmpty else { throw EmulatorError("'failWhen' keys must be non-empty") }
          map[substring] = message.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultFailMessage
        }
        next.failWhen = map
      case "faults":
        guard case .array(let items) = value else { throw EmulatorError("'faults' must be an array") }
        var rules: [FaultRule] = []
        for item in items { rules.append(try FaultRule.parse(json: item)) }
        next.faults = rules
      default:
        throw EmulatorError("unknown config field '\(key)'")
      }
    }
    self = next
  }

  private static func milliseconds(_ value: EmulatorJSON, _ key: String) throws(EmulatorError) -> Duration {
    guard let ms = value.int64Value, ms >= 0 else {
      throw EmulatorError("'\(key)' must be a non-negative integer")
    }
    return .milliseconds(ms)
  }

  /// The knobs as control-API JSON (what `GET /_emulator/config` shows).
  var json: EmulatorJSON {
    .object([
      ("jobDurationMs", .int(UnitParsing.milliseconds(jobDuration))),
      ("latencyMs", .int(UnitParsing.milliseconds(latency))),
      ("failWhen", .object(failWhen.keys.sorted().map { ($0, .string(failWhen[$0] ?? "")) })),
      ("faults", .array(faults.map(\.json))),
      ("maxRunning", maxRunning.map { .int(Int64($0)) } ?? .null),
      ("cdnTTLms", .int(UnitParsing.milliseconds(cdnTTL))),
      ("drift", .bool(drift)),
      ("seed", .int(Int64(bitPattern: seed))),
      ("resultSize", resultSize.map { .int(Int64($0)) } ?? .null),
      ("cdnBase", cdnBase.map { .string($0) } ?? .null),
    ])
  }
}
