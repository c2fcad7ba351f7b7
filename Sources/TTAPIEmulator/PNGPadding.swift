import Crypto

extension PNGEncoder {
  /// Type of the padding chunk: ancillary, private, safe to copy (decoders skip it).
  public static let paddingChunkType = "emPd"
  /// Bytes a chunk adds around its payload: length, type and CRC-32.
  static let chunkOverhead = 12

  /// `png` grown to exactly `size` bytes by an `emPd` chunk of pseudo-random bytes just before
  /// `IEND`, so it stays a valid PNG of the same picture (the emulator's `--result-size`, to serve
  /// results as large as real ones). The bytes are seeded by the picture, so the same picture is
  /// padded the same way every time, and they do not compress. Returns `png` unchanged when
  /// `size` leaves no room for the chunk (below `png.count + 12`) or `png` does not end in `IEND`.
  public static func padded(_ png: [UInt8], to size: Int) -> [UInt8] {
    let iendLength = chunkOverhead
    let payloadCount = size - png.count - chunkOverhead
    guard payloadCount >= 0, png.count >= signature.count + iendLength,
      Array(png[(png.count - 8)..<(png.count - 4)]) == Array("IEND".utf8)
    else { return png }
    let digest = Array(SHA256.hash(data: png))
    var random = SeededRandom(seed: digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
    var payload: [UInt8] = []
    payload.reserveCapacity(payloadCount)
    while payload.count < payloadCount {
      var word = random.next()
      for _ in 0..<min(8, payloadCount - payload.count) {
        payload.append(UInt8(truncatingIfNeeded: word))
        word >>= 8
      }
    }
    var out = Array(png.prefix(png.count - iendLength))
    out.reserveCapacity(size)
    appendChunk(paddingChunkType, payload, to: &out)
    out.append(contentsOf: png.suffix(iendLength))
    return out
  }
}
