/// Parses and formats the duration and size values of command-line options (`250ms`, `64MiB`).
///
/// One parser for both programs: the `swapsync` options (`--job-deadline`, `--max-image-size`...)
/// and the emulator's flags and fault arguments (`--job-duration 50ms`, `cdn:oversizeBody:3MiB`).
///
/// Durations are one or more `<number><unit>` parts with units `d`, `h`, `m`, `s`, `ms`, each at most
/// once and from largest to smallest: `250ms`, `5s`, `1.5s`, `10m`, `1h30m`, `2d`. A bare number is
/// rejected (is `30` seconds or minutes?) except `0`. No sign, no spaces; at most nanosecond precision.
///
/// Sizes are plain bytes (`1048576`) or a number with a unit: binary `KiB MiB GiB TiB`, decimal
/// `KB MB GB TB`, or `B`; units are case-insensitive and fractions are allowed (`1.5GiB`, rounded
/// down to whole bytes). Every result must fit in `Int`; anything else is nil.
public enum UnitParsing {
  private static let nanosPerUnit: [(unit: String, nanos: UInt64)] = [
    ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
    ("s", 1_000_000_000), ("ms", 1_000_000),
  ]

  private static let bytesPerUnit: [String: UInt64] = [
    "b": 1,
    "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
    "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
  ]

  /// The duration written in `text`, or nil if it is not a valid, non-negative duration.
  public static func duration(_ text: String) -> Duration? {
    if text == "0" { return .zero }
    var rest = Substring(text)
    var total: UInt64 = 0
    var previousUnit = -1  // index into nanosPerUnit: units must get smaller, each used once
    guard !rest.isEmpty else { return nil }
    while !rest.isEmpty {
      guard let (whole, fraction, afterNumber) = splitNumber(rest) else { return nil }
      let unitText = afterNumber.prefix { $0.isASCII && $0.isLetter }
      guard !unitText.isEmpty,
        let position = nanosPerUnit.firstIndex(where: { $0.unit == unitText }),
        position > previousUnit
      else { return nil }
      previousUnit = position
      guard let nanos = scaled(whole: whole, fraction: fraction, unit: nanosPerUnit[position].nanos),
        case let (sum, overflow) = total.addingReportingOverflow(nanos), !overflow
      else { return nil }
      total = sum
      rest = afterNumber.dropFirst(unitText.count)
    }
    guard total <= UInt64(Int64.max) else { return nil }
    return .nanoseconds(Int64(total))
  }

  /// The byte count written in `text`, or nil if it is not a valid, non-negative size.
  public static func byteSize(_ text: String) -> Int? {
    guard let (whole, fraction, afterNumber) = splitNumber(Substring(text)) else { return nil }
    let unit: UInt64
    if afterNumber.isEmpty {
      guard fraction.isEmpty else { return nil }  // "1.5" bytes makes no sense
      unit = 1
    } else {
      guard let known = bytesPerUnit[afterNumber.lowercased()] else { return nil }
      unit = known
    }
    guard let bytes = scaled(whole: whole, fraction: fraction, unit: unit), bytes <= UInt64(Int.max) else {
      return nil
    }
    return Int(bytes)
  }

  /// A short, round-trippable rendering for messages: `24h`, `1h30m`, `5s`, `250ms`, `0s`.
  /// Sub-millisecond remainders are dropped (a value below 1ms shows as `0ms`).
  public static func format(duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, attoseconds >= 0 else { return "-" + format(duration: .zero - duration) }
    guard seconds < Int64.max / 1_000 else { return "\(seconds)s" }
    let millis = UInt64(seconds) * 1_000 + UInt64(attoseconds / 1_000_000_000_000_000)
    if millis == 0 { return seconds == 0 && attoseconds == 0 ? "0s" : "0ms" }
    var remaining = millis
    var text = ""
    for (unit, perUnit) in [("h", UInt64(3_600_000)), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
      let count = remaining / perUnit
      if count > 0 {
        text += "\(count)\(unit)"
        remaining -= count * perUnit
      }
    }
    return text
  }

  /// A size for messages: `64 MiB`, `512 KiB`, `1.5 GiB`, `1000 bytes`.
  public static func format(bytes: Int) -> String {
    let units: [(String, Int)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
    for (name, size) in units where bytes >= size {
      if bytes % size == 0 { return "\(bytes / size) \(name)" }
      let tenths = (bytes % size) * 10 / size
      return "\(bytes / size).\(tenths) \(name)"
    }
    return bytes == 1 ? "1 byte" : "\(bytes) bytes"
  }

  /// The whole milliseconds in `duration`, rounded toward zero (`1.9ms` is 1, `-1.9ms` is -1);
  /// for JSON fields and timestamps kept in milliseconds. Saturates at the `Int64` bounds.
  public static func milliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
    guard !overflow else { return seconds < 0 ? .min : .max }
    let (sum, sumOverflow) = millis.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
    guard !sumOverflow else { return seconds < 0 ? .min : .max }
    return sum
  }

  // MARK: - Pieces

  /// Splits leading `digits[.digits]` off `text`: the whole part, the fraction digits (at most 9),
  /// and the rest. Nil if there is no leading digit, the whole part overflows, or the fraction is odd.
  private static func splitNumber(_ text: Substring) -> (UInt64, Substring, Substring)? {
    let wholeDigits = text.prefix { $0.isASCII && $0.isNumber }
    guard !wholeDigits.isEmpty, let whole = UInt64(wholeDigits) else { return nil }
    var rest = text.dropFirst(wholeDigits.count)
    var fraction: Substring = ""
    if rest.first == "." {
      fraction = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
      guard !fraction.isEmpty, fraction.count <= 9 else { return nil }
      rest = rest.dropFirst(1 + fraction.count)
    }
    return (whole, fraction, rest)
  }

  /// `(whole + 0.fraction) * unit`, rounded down; nil on overflow.
  private static func scaled(whole: UInt64, fraction: Substring, unit: UInt64) -> UInt64? {
    let (base, overflow) = whole.multipliedReportingOverflow(by: unit)
    guard !overflow else { return nil }
    guard !fraction.isEmpty, let numerator = UInt64(fraction) else { return base }
    var denominator: UInt64 = 1
    for _ in 0..<fraction.count { denominator *= 10 }
    // numerator < denominator, so the quotient is below `unit` and cannot overflow.
    let (quotient, _) = denominator.dividingFullWidth(numerator.multipliedFullWidth(by: unit))
    let (sum, sumOverflow) = base.addingReportingOverflow(quotient)
    return sumOverflow ? nil : sum
  }
}
