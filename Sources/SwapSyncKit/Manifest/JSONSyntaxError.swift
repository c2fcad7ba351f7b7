/// A JSON syntax problem at a 1-based line and column (columns count Unicode characters).
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
  }

  /// The location part alone: `line 4, column 7`.
  public var location: String { "line \(line), column \(column)" }

  public var description: String { "\(location): \(message)" }

  /// Whether this is the parser's duplicate-key error: the syntax is fine but an object names a
  /// key twice, which a lockfile reports as a bad merge rather than as broken JSON.
  public var isDuplicateKey: Bool { message.hasPrefix("duplicate key ") }

  /// Whether this is a conflict marker left by git (`JSONParser.mergeConflict`).
  public var isMergeConflict: Bool { message.hasPrefix("an unresolved merge conflict") }
}

/// Byte-level helpers shared by the JSON parser: positions and UTF-8 validation.
enum JSONText {
  /// 1-based line and column of the byte at `offset`. Lines end at LF; the column counts
  /// Unicode scalars (UTF-8 lead bytes) since the start of the line.
  static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    var index = 0
    let end = min(offset, bytes.count)
    while index < end {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
      index += 1
    }
    return (line, column)
  }

  /// The offset of the first byte that does not start a well-formed UTF-8 sequence
  /// (rejecting overlong forms, surrogates and values above U+10FFFF), or nil if all is valid.
  static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
    var index = 0
    let count = bytes.count
    while index < count {
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      var trailing: Int
      var secondRange: ClosedRange<UInt8> = 0x80...0xBF
      switch lead {
      case 0xC2...0xDF: trailing = 1
      case 0xE0: trailing = 2; secondRange = 0xA0...0xBF
      case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
      case 0xED: trailing = 2; secondRange = 0x80...0x9F
      case 0xF0: trailing = 3; secondRange = 0x90...0xBF
      case 0xF1...0xF3: trailing = 3
      case 0xF4: trailing = 3; secondRange = 0x80...0x8F
      default: return index
      }
      guard index + trailing < count, secondRange.contains(bytes[index + 1]) else { return index }
      if trailing > 1 {
        for next in 2...trailing where !(0x80...0xBF).contains(bytes[index + next]) {
          return index
        }
      }
      index += trailing + 1
    }
    return nil
  }
}
