extension ImageType {
  /// Where the image at the start of `bytes` ends, found by walking the format's structure.
  public enum Ending: Equatable, Sendable {
    /// The image ends after `length` bytes; bytes after it (a trailer some tools append) are
    /// kept as they came.
    case whole(length: Int)
    /// The structure is readable and the bytes stop before the image's end: cut short.
    case cutShort
    /// The structure is not what the format says; only the image's last bytes can tell.
    case unreadable
  }

  /// Whether `bytes`, a body whose length HTTP did not state (`DownloadResult.endedByClose`, so a
  /// dropped connection is the only end a client sees), hold a whole image of this type. The
  /// structure is walked so that an end marker inside the image (a JPEG thumbnail's EOI, the
  /// letters `IEND` inside compressed data) is not taken for the end, and an image followed by a
  /// trailer is whole; an image whose structure cannot be walked must end with its format's end
  /// marker (PNG `IEND` chunk, JPEG `FF D9`, GIF `3B`; WebP has none).
  public func endsWhole(_ bytes: [UInt8]) -> Bool {
    switch ending(of: bytes) {
    case .whole: return true
    case .cutShort: return false
    case .unreadable:
      switch self {
      case .png: return bytes.ends(with: Self.pngEnd)
      case .jpeg: return bytes.ends(with: [0xFF, 0xD9])
      case .gif: return bytes.last == 0x3B
      case .webp: return false
      }
    }
  }

  /// Whether a body of `size` bytes that begins with `prefix` and ends with `suffix` ends the
  /// way an image of this type ends: PNG's `IEND` chunk, JPEG's EOI `FF D9`, GIF's trailer `3B`,
  /// WebP's RIFF size equal to the body's. Cheap, from bytes kept while downloading; a body
  /// without it may still be whole (an image followed by a trailer), which only `ending(of:)`
  /// can tell.
  public func hasEndMarker(prefix: [UInt8], suffix: [UInt8], size: Int) -> Bool {
    switch self {
    case .png: return suffix.ends(with: Self.pngEnd)
    case .jpeg: return suffix.ends(with: [0xFF, 0xD9])
    case .gif: return suffix.last == 0x3B
    case .webp:
      guard prefix.count >= 12 else { return false }
      return ImageWalker(bytes: prefix).littleEndian32(at: 4) + 8 == size
    }
  }

  /// A PNG's last 12 bytes: the empty `IEND` chunk with its CRC.
  private static let pngEnd: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]

  /// Walks the structure of the image at the start of `bytes`:
  /// - PNG: chunks (4-byte length, type, data, CRC) up to the `IEND` chunk (PNG §5.3, §11.2.5);
  /// - JPEG: marker segments by their lengths, entropy-coded data up to the next marker that is
  ///   not a stuffed `FF 00`, a restart or a fill byte, up to EOI `FF D9` (ITU T.81 §B.1);
  /// - GIF: extension and image blocks with their sub-blocks up to the trailer `3B` (GIF89a §27);
  /// - WebP: the RIFF header's chunk size plus its 8 header bytes.
  public func ending(of bytes: [UInt8]) -> Ending {
    var walker = ImageWalker(bytes: bytes)
    switch self {
    case .png: return walker.png()
    case .jpeg: return walker.jpeg()
    case .gif: return walker.gif()
    case .webp:
      guard bytes.count >= 12 else { return .cutShort }
      let length = walker.littleEndian32(at: 4) + 8
      return length <= bytes.count ? .whole(length: length) : .cutShort
    }
  }
}

/// The structure walks behind `ImageType.ending(of:)`; `offset` is the next byte to read.
private struct ImageWalker {
  let bytes: [UInt8]
  var offset = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  func littleEndian32(at index: Int) -> Int {
    bytes[index..<index + 4].reversed().reduce(0) { $0 << 8 | Int($1) }
  }

  func bigEndian(at index: Int, count: Int) -> Int {
    bytes[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
  }

  mutating func png() -> ImageType.Ending {
    offset = 8  // the signature
    let iend: [UInt8] = Array("IEND".utf8)
    while offset + 12 <= bytes.count {
      let length = bigEndian(at: offset, count: 4)
      guard length < 0x8000_0000 else { return .unreadable }
      let next = offset + 12 + length
      guard next <= bytes.count else { return .cutShort }
      if Array(bytes[offset + 4..<offset + 8]) == iend { return .whole(length: next) }
      offset = next
    }
    return .cutShort
  }

  mutating func jpeg() -> ImageType.Ending {
    offset = 2  // SOI
    while offset < bytes.count {
      guard bytes[offset] == 0xFF else { return .unreadable }
      while offset < bytes.count && bytes[offset] == 0xFF { offset += 1 }  // fill bytes
      guard offset < bytes.count else { return .cutShort }
      let marker = bytes[offset]
      offset += 1
      switch marker {
      case 0xD9: return .whole(length: offset)
      case 0x01, 0xD0...0xD8: continue  // no length follows
      case 0x00: return .unreadable
      default:
        guard offset + 2 <= bytes.count else { return .cutShort }
        let length = bigEndian(at: offset, count: 2)
        guard length >= 2 else { return .unreadable }
        offset += length
        guard offset <= bytes.count else { return .cutShort }
        if marker == 0xDA, !skipEntropyCodedData() { return .cutShort }
      }
    }
    return .cutShort
  }

  /// Moves to the `FF` of the marker after a scan's data; false when the bytes end first.
  mutating func skipEntropyCodedData() -> Bool {
    while let found = bytes[offset...].firstIndex(of: 0xFF) {
      guard found + 1 < bytes.count else { return false }
      switch bytes[found + 1] {
      case 0x00, 0xD0...0xD7: offset = found + 2  // a stuffed FF, a restart marker
      case 0xFF: offset = found + 1  // a fill byte before a marker
      default:
        offset = found
        return true
      }
    }
    return false
  }

  mutating func gif() -> ImageType.Ending {
    guard bytes.count >= 13 else { return .cutShort }
    offset = 13 + Self.colorTableSize(flags: bytes[10])
    while offset < bytes.count {
      switch bytes[offset] {
      case 0x3B: return .whole(length: offset + 1)
      case 0x21:  // extension: introducer, label, sub-blocks
        offset += 2
      case 0x2C:  // image: descriptor, local color table, LZW code size, sub-blocks
        guard offset + 10 <= bytes.count else { return .cutShort }
        offset += 10 + Self.colorTableSize(flags: bytes[offset + 9]) + 1
      default: return .unreadable
      }
      guard skipSubBlocks() else { return .cutShort }
    }
    return .cutShort
  }

  static func colorTableSize(flags: UInt8) -> Int {
    flags & 0x80 == 0 ? 0 : 3 << (Int(flags & 0x07) + 1)
  }

  /// Skips data sub-blocks up to their zero-length terminator; false when the bytes end first.
  mutating func skipSubBlocks() -> Bool {
    while offset < bytes.count {
      let size = Int(bytes[offset])
      offset += 1 + size
      if size == 0 { return true }
    }
    return false
  }
}

extension Array where Element == UInt8 {
  fileprivate func ends(with tail: [UInt8]) -> Bool {
    count >= tail.count && Array(self[(count - tail.count)...]) == tail
  }
}
