extension JSONParser {
  /// The 1-based line and column of the key that ends `keyPath` (object keys from the root, like
  /// `["entries", "a.png", "colour"]`) in a document this parser accepts; nil when there is no such
  /// key. Only for messages about a wrong key in valid JSON: it reads the document again, so
  /// callers pay for it on the error path only.
  static func position(ofKey keyPath: [String], in bytes: [UInt8]) -> (line: Int, column: Int)? {
    var parser = JSONParser(bytes: bytes)
    guard !keyPath.isEmpty, let offset = parser.findKey(keyPath[...]) else { return nil }
    return JSONText.position(of: offset, in: bytes)
  }

  /// Looks for `keyPath` in the object at `index`; returns the offset of the last key's quote.
  private mutating func findKey(_ keyPath: ArraySlice<String>) -> Int? {
    skipWhitespace()
    guard peek(is: "{"), let wanted = keyPath.first else { return nil }
    index += 1
    while true {
      skipWhitespace()
      guard peek(is: "\"") else { return nil }
      let keyOffset = index
      guard let key = try? parseString() else { return nil }
      skipWhitespace()
      guard peek(is: ":") else { return nil }
      index += 1
      if key == wanted {
        return keyPath.count == 1 ? keyOffset : findKey(keyPath.dropFirst())
      }
      guard skipValue() else { return nil }
      skipWhitespace()
      guard peek(is: ",") else { return nil }
      index += 1
    }
  }

  /// Moves past one value of a well-formed document; false at an unexpected end.
  private mutating func skipValue() -> Bool {
    var depth = 0
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: "\""):
        guard (try? parseString()) != nil else { return false }
        if depth == 0 { return true }
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        depth += 1
        index += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        if depth == 0 { return true }  // the end of the enclosing object: a number or literal ended
        depth -= 1
        index += 1
        if depth == 0 { return true }
      case UInt8(ascii: ","):
        if depth == 0 { return true }
        index += 1
      default:
        index += 1
      }
    }
    return false
  }
}
