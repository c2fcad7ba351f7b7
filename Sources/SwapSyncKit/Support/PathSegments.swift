extension String {
  /// The parts of a `/`-separated path, split at every "/" byte. Not `split(separator: "/")`:
  /// that splits between characters, and a "/" followed by a combining mark (`a/\u{301}b.png`) is
  /// one character, so the slash would stay inside a segment that every check sees as one name,
  /// and reach the file system as a separator.
  func pathSegments(omittingEmpty: Bool = false) -> [String] {
    utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: omittingEmpty).map {
      String(decoding: $0, as: UTF8.self)
    }
  }
}
