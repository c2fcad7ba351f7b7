/// Byte-level helpers for header lines as libcurl hands them over (CurlTransfer).
enum HeaderBytes {
  /// `bytes` without leading and trailing SP, HTAB, CR and LF: a header line without its line
  /// end, or a field value without the optional whitespace around it (RFC 9110 §5.5, "OWS").
  static func trimmingWhitespace(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<
    UnsafeRawBufferPointer
  > {
    let isWhitespace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
    guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
      let last = bytes.lastIndex(where: { !isWhitespace($0) })
    else { return bytes[bytes.startIndex..<bytes.startIndex] }
    return bytes[first...last]
  }
}
