extension JSONParser {
  /// Parses a string starting at the opening quote; leaves `index` after the closing quote.
  /// The input is already known to be valid UTF-8.
  mutating func parseString() throws(JSONSyntaxError) -> String {
    let start = index
    index += 1
    // Fast path for the common string without escapes or control characters: one slice, no
    // byte-by-byte copy. Anything else is read (and reported) by the loop below.
    var end = index
    while end < bytes.count {
      let byte = bytes[end]
      if byte == UInt8(ascii: "\"") {
        let text = String(decoding: bytes[index..<end], as: UTF8.self)
        index = end + 1
        return text
      }
      if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
      end += 1
    }
    var buffer: [UInt8] = []
    while true {
      guard index < bytes.count else {
        throw error(at: start, "unterminated string; add the closing \"")
      }
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return String(decoding: buffer, as: UTF8.self)
      case UInt8(ascii: "\\"):
        try parseEscape(into: &buffer)
      case 0x0A, 0x0D:
        throw error(
          at: index,
          "unterminated string: a line break is not allowed inside a string (missing closing quote?)")
      case 0x00..<0x20:
        let name = scalarName(UInt32(byte))
        throw error(at: index, "control character \(name) inside a string; write it as an escape like \\n")
      default:
        buffer.append(byte)
        index += 1
      }
    }
  }

  /// Parses one escape sequence starting at the backslash and appends its UTF-8 bytes.
  private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
    let start = index
    index += 1
    guard index < bytes.count else {
      throw error(at: start, "unterminated string; add the closing \"")
    }
    let byte = bytes[index]
    index += 1
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
    case UInt8(ascii: "b"): buffer.append(0x08)
    case UInt8(ascii: "f"): buffer.append(0x0C)
    case UInt8(ascii: "n"): buffer.append(0x0A)
    case UInt8(ascii: "r"): buffer.append(0x0D)
    case UInt8(ascii: "t"): buffer.append(0x09)
    case UInt8(ascii: "u"):
      let unit = try readHexQuad(escapeStart: start)
      let scalarValue: UInt32
      switch unit {
      case 0xD800...0xDBFF:
        let lowStart = index
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
          bytes[index + 1] == UInt8(ascii: "u")
        else {
          throw error(at: start, "unpaired UTF-16 surrogate \\u\(quad(unit)) in string")
        }
        index += 2
        let low = try readHexQuad(escapeStart: lowStart)
        guard (0xDC00...0xDFFF).contains(low) else {
          throw error(at: start, "unpaired UTF-16 surrogate \\u\(quad(unit)) in string")
        }
        scalarValue = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
      case 0xDC00...0xDFFF:
        throw error(at: start, "unpaired UTF-16 surrogate \\u\(quad(unit)) in string")
      default:
        scalarValue = unit
      }
      // Surrogates are excluded above, so the scalar is always valid.
      if let scalar = Unicode.Scalar(scalarValue) {
        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
      }
    default:
      let shown = byte >= 0x21 && byte <= 0x7E ? String(Character(Unicode.Scalar(byte))) : "…"
      throw error(
        at: start, "invalid escape \"\\\(shown)\" in string; write a literal backslash as \\\\")
    }
  }

  /// Reads the four hex digits after `\u`.
  private mutating func readHexQuad(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard index < bytes.count, let digit = hexValue(bytes[index]) else {
        throw error(at: escapeStart, "\\u must be followed by four hex digits")
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  private func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
    default: nil
    }
  }

  private func quad(_ unit: UInt32) -> String {
    let digits = String(unit, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
