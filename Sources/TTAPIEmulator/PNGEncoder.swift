/// Hand-rolled PNG writer: 8-bit RGB, no row filters, the IDAT stream compressed by zlib (stored
/// deflate blocks if zlib fails), CRC-32 per chunk.
public enum PNGEncoder {
  /// The eight-byte PNG signature.
  public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Encodes `rgb` (width × height × 3 bytes, row-major) as a PNG file.
  public static func encodeRGB(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
    precondition(width > 0 && height > 0 && rgb.count == width * height * 3, "bad pixel buffer")
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (width * 3 + 1))
    for row in 0..<height {
      raw.append(0)  // filter type: none
      raw.append(contentsOf: rgb[(row * width * 3)..<((row + 1) * width * 3)])
    }
    var header: [UInt8] = []
    appendBigEndian(UInt32(width), to: &header)
    appendBigEndian(UInt32(height), to: &header)
    header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, no filter, no interlace
    var out = signature
    appendChunk("IHDR", header, to: &out)
    let idat = (try? Compression.zlib(raw)) ?? zlibStored(raw)
    appendChunk("IDAT", idat, to: &out)
    appendChunk("IEND", [], to: &out)
    return out
  }

  /// A zlib stream holding `data` in stored (uncompressed) deflate blocks.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let length = min(65_535, data.count - offset)
      let isLast = offset + length == data.count
      out.append(isLast ? 1 : 0)
      out.append(UInt8(length & 0xFF))
      out.append(UInt8(length >> 8))
      out.append(UInt8(~length & 0xFF))
      out.append(UInt8((~length >> 8) & 0xFF))
      out.append(contentsOf: data[offset..<(offset + length)])
      offset += length
    } while offset < data.count
    appendBigEndian(adler32(data), to: &out)
    return out
  }

  static func adler32(_ data: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    for byte in data {
      a = (a + UInt32(byte)) % 65_521
      b = (b + a) % 65_521
    }
    return (b << 16) | a
  }

  private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 {
      c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
    }
    return c
  }

  static func crc32(_ data: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in data {
      c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8)
    }
    return c ^ 0xFFFF_FFFF
  }

  static func appendChunk(_ type: String, _ payload: [UInt8], to out: inout [UInt8]) {
    appendBigEndian(UInt32(payload.count), to: &out)
    let typed = Array(type.utf8) + payload
    out.append(contentsOf: typed)
    appendBigEndian(crc32(typed), to: &out)
  }

  private static func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
    out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }
}
