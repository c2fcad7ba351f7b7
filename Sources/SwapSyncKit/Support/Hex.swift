/// Lower-case hexadecimal text of bytes, as the lockfile writes SHA-256 digests
/// (docs/lockfile.md). `String(format: "%02x")` per byte went through Foundation's formatter and
/// cost more than hashing a small result.
enum Hex {
  private static let digits = Array("0123456789abcdef".utf8)

  static func string(_ bytes: some Sequence<UInt8>) -> String {
    var text: [UInt8] = []
    text.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
