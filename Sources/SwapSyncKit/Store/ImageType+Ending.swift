extension ImageType {
  /// Whether a body of `size` bytes that starts with `prefix` and ends with `suffix` (its last
  /// bytes, at least 12 of them when the body has that many) ends where an image of this type
  /// must end. For bodies whose length HTTP did not state (`DownloadResult.endedByClose`), where a
  /// dropped connection is the only end a client sees:
  /// - PNG: the `IEND` chunk (length 0, type, CRC) closes the file (PNG §5.6);
  /// - JPEG: the EOI marker `FF D9`;
  /// - GIF: the trailer byte `3B`;
  /// - WebP: the RIFF header's chunk size plus its 8 header bytes is the body's size.
  public func endsWhole(prefix: [UInt8], suffix: [UInt8], size: Int) -> Bool {
    switch self {
    case .png:
      return suffix.ends(with: [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    case .jpeg:
      return suffix.ends(with: [0xFF, 0xD9])
    case .gif:
      return suffix.last == 0x3B
    case .webp:
      guard prefix.count >= 8 else { return false }
      let riffSize = prefix[4..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
      return riffSize + 8 == size
    }
  }
}

extension Array where Element == UInt8 {
  fileprivate func ends(with tail: [UInt8]) -> Bool {
    count >= tail.count && Array(self[(count - tail.count)...]) == tail
  }
}
