/// Parsers for the human-friendly durations (`250ms`, `5s`, `10m`, `1h`) and sizes (`80MiB`).
public enum ValueParsing {
  /// Parses a duration; a bare number means milliseconds.
  public static func duration(_ text: String) -> Duration? {
    let trimmed = text.trimmingWhitespace()
    let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
    for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
      guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite else {
        return nil
      }
      return .milliseconds(Int64((number * factor).rounded()))
    }
    guard let number = Int64(trimmed), number >= 0 else { return nil }
    return .milliseconds(number)
  }

  /// Parses a byte size: plain bytes or a `B`, `KB`, `KiB`, `MB`, `MiB`, `GB`, `GiB` suffix.
  public static func size(_ text: String) -> Int? {
    let trimmed = text.trimmingWhitespace()
    let units: [(String, Double)] = [
      ("KiB", 1_024), ("MiB", 1_048_576), ("GiB", 1_073_741_824),
      ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ]
    for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
      guard let number = Double(trimmed.dropLast(suffix.count)), number >= 0, number.isFinite,
        number * factor < 1e15
      else {
        return nil
      }
      return Int((number * factor).rounded())
    }
    guard let number = Int(trimmed), number >= 0 else { return nil }
    return number
  }

  /// Milliseconds in a duration, rounded down.
  public static func milliseconds(_ duration: Duration) -> Int64 {
    let parts = duration.components
    return parts.seconds * 1_000 + parts.attoseconds / 1_000_000_000_000_000
  }

  /// Renders a duration the way the CLI accepts it.
  public static func render(_ duration: Duration) -> String {
    "\(milliseconds(duration))ms"
  }
}

extension String {
  func trimmingWhitespace() -> String {
    var scalars = Substring(self)
    while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
    while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
    return String(scalars)
  }
}
