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
        throw ManifestError(
          path: file, location: entry.origin, message: "output \(output) duplicates \(first.origin)")
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
    for entry in entries {
      let segments = OutputPath.foldedKey(entry.output).split(separator: "/")
      guard segments.count > 1 else { continue }
      for length in 1..<segments.count {
        let folder = segments[0..<length].joined(separator: "/")
        if let other = folded[folder] {
          let shownFolder = entry.output.split(separator: "/")[0..<length].joined(separator: "/")
          throw ManifestError(
            path: file, location: entry.origin,
            message: "output \(JSONPath.quoted(entry.output)) needs a folder "
              + "\(JSONPath.quoted(shownFolder)), but \(other.origin) writes the file "
              + "\(JSONPath.quoted(other.output)) there")
        }
      }
    }
  }
}
