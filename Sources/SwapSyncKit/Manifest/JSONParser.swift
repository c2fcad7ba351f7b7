/// A strict RFC 8259 JSON parser that reports problems by line and column and rejects duplicate keys.
public struct JSONParser {
  /// The deepest nesting of objects and arrays accepted.
  public static let maxDepth = 64

  let bytes: [UInt8]
  var index = 0
  private var depth = 0

  init(bytes: [UInt8]) {
    self.bytes = bytes
  }

  /// Parses one JSON document (UTF-8, no byte order mark, nothing but whitespace after the value).
  public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    do {
      return try parser.parseDocument()
    } catch {
      throw mergeConflict(in: bytes) ?? error
    }
  }

  /// The first line left by an unresolved git merge (`<<<<<<< `, `=======`, `>>>>>>> `), as the
  /// error to report instead of the syntax error it causes.
  static func mergeConflict(in bytes: [UInt8]) -> JSONSyntaxError? {
    var line = 1
    var start = 0
    while start < bytes.count {
      let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      let text = bytes[start..<end]
      for marker in ["<<<<<<<", "=======", ">>>>>>>"] where text.starts(with: marker.utf8) {
        let rest = text.dropFirst(7)
        if rest.isEmpty || rest.first == UInt8(ascii: " ") || rest.first == UInt8(ascii: "\r") {
          return JSONSyntaxError(
            line: line, column: 1,
            message:
              "an unresolved merge conflict (\"\(marker)\") is left in the file; resolve it, keeping both "
              + "sides' entries (for a lockfile: docs/lockfile.md, \"Merging branches\")")
        }
      }
      line += 1
      start = end + 1
    }
    return nil
  }

  // MARK: - Document

  private mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
    if bytes.isEmpty {
      throw error(at: 0, "the file is empty; expected a JSON object")
    }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      throw error(at: 0, "the file starts with a byte order mark (BOM); save it as UTF-8 without BOM")
    }
    if let bad = JSONText.firstInvalidUTF8(in: bytes) {
      throw error(at: bad, "invalid UTF-8 (byte \(hex(bytes[bad]))); save the file as UTF-8 text")
    }
    skipWhitespace()
    if index == bytes.count {
      throw error(at: index, "the file contains only whitespace; expected a JSON object")
    }
    let value = try parseValue()
    skipWhitespace()
    if index < bytes.count {
      throw error(at: index, "unexpected \(describeCharacter(at: index)) after the end of the JSON value")
    }
    return value
  }

  // MARK: - Values

  private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
    guard index < bytes.count else {
      throw error(at: index, "unexpected end of file; expected a value")
    }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: break
    }
    let start = index
    let word = readWord()
    switch word {
    case "true": return .bool(true)
    case "false": return .bool(false)
    case "null": return .null
    case "": throw error(at: start, "expected a value, found \(describeCharacter(at: start))")
    default:
      throw error(at: start, "unexpected word \"\(word)\"; text values must be in double quotes")
    }
  }

  private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
    let open = index
    try enterContainer()
    index += 1
    var members: [JSONMember] = []
    var keyOffsets: [String: Int] = [:]
    skipWhitespace()
    if peek(is: "}") {
      index += 1
      depth -= 1
      return .object(members)
    }
    while true {
      guard index < bytes.count else { throw unclosed("object", openedAt: open) }
      guard bytes[index] == UInt8(ascii: "\"") else {
        throw error(at: index, "expected a key in double quotes, found \(describeCharacter(at: index))")
      }
      let keyOffset = index
      let key = try parseString()
      if let first = keyOffsets[key] {
        let (line, column) = JSONText.position(of: first, in: bytes)
        throw error(at: keyOffset, "duplicate key \"\(key)\" (first at line \(line), column \(column))")
      }
      keyOffsets[key] = keyOffset
      skipWhitespace()
      guard index < bytes.count else { throw unclosed("object", openedAt: open) }
      guard peek(is: ":") else {
        throw error(
          at: index, "expected \":\" after the key \"\(key)\", found \(describeCharacter(at: index))")
      }
      index += 1
      skipWhitespace()
      members.append(JSONMember(key: key, value: try parseValue()))
      skipWhitespace()
      guard index < bytes.count else { throw unclosed("object", openedAt: open) }
      if peek(is: "}") {
        index += 1
        depth -= 1
        return .object(members)
      }
      guard peek(is: ",") else {
        throw error(
          at: index,
          "expected \",\" or \"}\" after the value of \"\(key)\", found \(describeCharacter(at: index))"
            + " (missing comma?)")
      }
      let comma = index
      index += 1
      skipWhitespace()
      if peek(is: "}") {
        throw error(at: comma, "trailing comma before \"}\"; remove the comma")
      }
    }
  }

  private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
    let open = index
    try enterContainer()
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if peek(is: "]") {
      index += 1
      depth -= 1
      return .array(elements)
    }
    while true {
      guard index < bytes.count else { throw unclosed("array", openedAt: open) }
      elements.append(try parseValue())
      skipWhitespace()
      guard index < bytes.count else { throw unclosed("array", openedAt: open) }
      if peek(is: "]") {
        index += 1
        depth -= 1
        return .array(elements)
      }
      guard peek(is: ",") else {
        throw error(
          at: index,
          "expected \",\" or \"]\" after an array element, found \(describeCharacter(at: index))"
            + " (missing comma?)")
      }
      let comma = index
      index += 1
      skipWhitespace()
      if peek(is: "]") {
        throw error(at: comma, "trailing comma before \"]\"; remove the comma")
      }
    }
  }

  private mutating func enterContainer() throws(JSONSyntaxError) {
    depth += 1
    if depth > Self.maxDepth {
      throw error(at: index, "nesting is too deep (more than \(Self.maxDepth) levels of objects and arrays)")
    }
  }

  // MARK: - Numbers

  private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
    let start = index
    if peek(is: "-") { index += 1 }
    guard index < bytes.count, isDigit(bytes[index]) else {
      throw error(at: index, "expected a digit after \"-\"")
    }
    if peek(is: "0"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
      throw error(at: start, "numbers must not have leading zeros")
    }
    skipDigits()
    if peek(is: ".") {
      index += 1
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw error(at: index, "expected a digit after the decimal point")
      }
      skipDigits()
    }
    if peek(is: "e") || peek(is: "E") {
      index += 1
      if peek(is: "+") || peek(is: "-") { index += 1 }
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw error(at: index, "expected a digit in the exponent")
      }
      skipDigits()
    }
    return .number(String(decoding: bytes[start..<index], as: UTF8.self))
  }

  // MARK: - Lexical helpers

  func peek(is character: Unicode.Scalar) -> Bool {
    index < bytes.count && bytes[index] == UInt8(ascii: character)
  }

  private func isDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
  }

  private mutating func skipDigits() {
    while index < bytes.count, isDigit(bytes[index]) { index += 1 }
  }

  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  /// Reads a run of ASCII letters, digits and underscores (for literals and bare words).
  private mutating func readWord() -> String {
    let start = index
    while index < bytes.count {
      let byte = bytes[index]
      let isWordByte =
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || isDigit(byte)
        || byte == UInt8(ascii: "_")
      guard isWordByte else { break }
      index += 1
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }

  /// Names the character at `offset` for a message, with a hint for common non-JSON habits.
  func describeCharacter(at offset: Int) -> String {
    guard offset < bytes.count else { return "end of file" }
    let byte = bytes[offset]
    switch byte {
    case UInt8(ascii: "/"):
      return "\"/\" (comments are not allowed in JSON)"
    case UInt8(ascii: "\""):
      return "a string"
    case UInt8(ascii: "'"):
      return "\"'\" (strings must use double quotes)"
    case 0x21...0x7E:
      return "\"\(Character(Unicode.Scalar(byte)))\""
    default:
      let scalar = String(decoding: bytes[offset...].prefix(4), as: UTF8.self).unicodeScalars.first
      return "character \(scalarName(scalar?.value ?? UInt32(byte)))"
    }
  }

  func scalarName(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }

  private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return "0x" + (digits.count < 2 ? "0" : "") + digits
  }

  func error(at offset: Int, _ message: String) -> JSONSyntaxError {
    let (line, column) = JSONText.position(of: offset, in: bytes)
    return JSONSyntaxError(line: line, column: column, message: message)
  }

  private func unclosed(_ kind: String, openedAt open: Int) -> JSONSyntaxError {
    let (line, column) = JSONText.position(of: open, in: bytes)
    return error(
      at: index, "unexpected end of file: the \(kind) opened at line \(line), column \(column) is not closed")
  }
}
