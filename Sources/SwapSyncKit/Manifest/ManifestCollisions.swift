/// Finds outputs that would land on the same file: exact duplicates, names that differ only in
/// letter case or Unicode normalization (one file on macOS and Windows), and a file that another
/// output needs as a folder.
enum ManifestCollisions {
  /// Checks `entries` in document order; the message names the later entry and the earlier one.
  static func check(_ entries: [ManifestEntry], file: String) throws(ManifestError) {
    var exact: [[UInt8]: ManifestEntry] = [:]
    var folded: [String: ManifestEntry] = [:]
    for entry in entries {
      let output = JSONPath.quoted(entry.output)
      let bytes = Array(entry.output.utf8)
      if let first = exact[bytes] {
        var message = "output \(output) duplicates \(first.origin)"
        if entry.spelling != nil || first.spelling != nil {
          // They look the same and were spelled differently: say how.
          let spellings = [entry, first].map { Self.scalars($0.spelling ?? $0.output) }
          message +=
            " (spelled \(spellings[0]) and \(spellings[1]), one name in Unicode normalization form C, "
            + "which swapsync uses for every output)"
        }
        throw ManifestError(path: file, location: entry.origin, message: message)
      }
      exact[bytes] = entry
      let key = OutputPath.foldedKey(entry.output)
      if let first = folded[key] {
        let caseOnly = Array(entry.output.lowercased().utf8) == Array(first.output.lowercased().utf8)
        let difference = caseOnly ? "letter case" : "letter case or Unicode normalization"
        throw ManifestError(
          path: file, location: entry.origin,
          message: "output \(output) differs from \(JSONPath.quoted(first.output)) of \(first.origin) "
            + "only in \(difference); they would collide on case-insensitive file systems (macOS, Windows)")
      }
      folded[key] = entry
    }
    try checkFolders(entries, folded: folded, file: file)
  }

  /// `text` quoted, each non-ASCII scalar written as `\u{HEX}`: "cafe\u{301}.png".
  static func scalars(_ text: String) -> String {
    var shown = "\""
    for scalar in text.unicodeScalars {
      shown += scalar.isASCII ? String(scalar) : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
    }
    return shown + "\""
  }

  /// A file that another output needs as a folder.
  private static func checkFolders(
    _ entries: [ManifestEntry], folded: [String: ManifestEntry], file: String
  ) throws(ManifestError) {
    for (index, entry) in entries.enumerated() {
      let segments = OutputPath.foldedKey(entry.output).pathSegments(omittingEmpty: true)
      guard segments.count > 1 else { continue }
      for length in 1..<segments.count {
        let folder = segments[0..<length].joined(separator: "/")
        guard let other = folded[folder] else { continue }
        let shownFolder = JSONPath.quoted(
          entry.output.pathSegments(omittingEmpty: true)[0..<length].joined(separator: "/"))
        // The later of the two is named first, as for duplicates (docs/manifest.md).
        if let otherIndex = entries.firstIndex(where: { $0.output == other.output }), otherIndex > index {
          throw ManifestError(
            path: file, location: other.origin,
            message:
              "output \(JSONPath.quoted(other.output)) is a file where \(entry.origin) needs the folder "
              + "\(shownFolder) for its output \(JSONPath.quoted(entry.output))")
        }
        throw ManifestError(
          path: file, location: entry.origin,
          message:
            "output \(JSONPath.quoted(entry.output)) needs a folder \(shownFolder), but \(other.origin) "
            + "writes the file \(JSONPath.quoted(other.output)) there")
      }
    }
  }
}
