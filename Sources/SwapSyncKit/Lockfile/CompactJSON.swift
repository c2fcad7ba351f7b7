/// Compact JSON for the records swapsync writes many times a second: journal lines (one to four
/// per entry of a run) and TTAPI request bodies. The bytes are those `JSONEncoder` gives with
/// `.sortedKeys` and `.withoutEscapingSlashes` (`CompactJSONTests` compares them), at a fraction
/// of its cost: `JSONEncoder` was 6 % of a first sync's CPU.
///
/// Strings are escaped as RFC 8259 section 7 requires and as `JSONEncoder` does: `"` and `\`
/// with a backslash, U+0008, U+0009, U+000A, U+000C, U+000D as `\b \t \n \f \r`, the other
/// control characters below U+0020 as `\u00xx` (lowercase hex); everything else as UTF-8.
enum CompactJSON {
  /// Appends `text` as a JSON string.
  static func appendString(_ text: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
      case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
      case 0x08: bytes += [0x5C, UInt8(ascii: "b")]
      case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
      case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
      case 0x0C: bytes += [0x5C, UInt8(ascii: "f")]
      case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
      case 0x00..<0x20:
        let digits = Array("0123456789abcdef".utf8)
        bytes += Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
      default: bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// An object of string members, keys in UTF-8 byte order (a TTAPI request body).
  static func object(_ members: [String: String]) -> [UInt8] {
    var bytes: [UInt8] = [UInt8(ascii: "{")]
    for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: ",")) }
      appendString(key, to: &bytes)
      bytes.append(UInt8(ascii: ":"))
      appendString(members[key] ?? "", to: &bytes)
    }
    bytes.append(UInt8(ascii: "}"))
    return bytes
  }

  /// A journal line's batch: `{"<output>": <entry> | null, ...}`, outputs in UTF-8 byte order.
  static func batch(_ updates: [String: LockEntry?]) -> [UInt8] {
    var bytes: [UInt8] = [UInt8(ascii: "{")]
    bytes.reserveCapacity(512 * updates.count)
    let outputs = updates.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for (index, output) in outputs.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: ",")) }
      appendString(output, to: &bytes)
      bytes.append(UInt8(ascii: ":"))
      if let entry = updates[output] ?? nil {
        append(entry, to: &bytes)
      } else {
        bytes += Array("null".utf8)
      }
    }
    bytes.append(UInt8(ascii: "}"))
    return bytes
  }

  /// `entry` as an object: keys sorted, absent optionals left out (as `LockEntry`'s `Codable`).
  static func append(_ entry: LockEntry, to bytes: inout [UInt8]) {
    var first = true
    func key(_ name: StaticString) {
      bytes.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
      first = false
      bytes.append(UInt8(ascii: "\""))
      name.withUTF8Buffer { bytes += $0 }
      bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }
    func string(_ name: StaticString, _ value: String?) {
      guard let value else { return }
      key(name)
      appendString(value, to: &bytes)
    }
    func number(_ name: StaticString, _ value: Int?) {
      guard let value else { return }
      key(name)
      bytes += Array(String(value).utf8)
    }
    if let adopted = entry.adopted {
      key("adopted")
      bytes += Array((adopted ? "true" : "false").utf8)
    }
    string("finishedAt", entry.finishedAt)
    string("imageType", entry.imageType)
    string("jobId", entry.jobId)
    string("message", entry.message)
    number("quota", entry.quota)
    string("sha256", entry.sha256)
    number("size", entry.size)
    string("state", entry.state.rawValue)
    string("submittedAt", entry.submittedAt)
    string("swapImage", entry.swapImage)
    string("targetImage", entry.targetImage)
    number("unusableRuns", entry.unusableRuns)
    bytes.append(UInt8(ascii: "}"))
  }
}
