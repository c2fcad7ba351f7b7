import Foundation

/// The rules for an entry's `output` path (docs/manifest.md): relative, clean, and inside the output folder.
public enum OutputPath {
  /// Image extensions an output may have (compared case-insensitively); no extension is fine too.
  public static let allowedExtensions = ["jpg", "jpeg", "png", "webp", "gif"]
  /// The longest path segment allowed, in UTF-8 bytes.
  public static let maxSegmentBytes = 200
  /// The folder under the output folder that swapsync keeps for its own state.
  /// The one definition of the machine-local state folder's name (docs/lockfile.md).
  public static let stateFolderName = ".swapsync"

  /// Nil when `path` is an acceptable output path, else a message saying what is wrong with it.
  public static func problem(with path: String) -> String? {
    if path.isEmpty { return "output path is empty" }
    if let control = path.unicodeScalars.first(where: isForbiddenScalar) {
      return "output path contains a control character (\(scalarName(control)))"
    }
    if path.utf8.contains(UInt8(ascii: "\\")) {
      return "output path contains a backslash; separate folders with \"/\""
    }
    if path.hasPrefix("/") { return "output path must be relative to the output folder, not absolute" }
    let segments = path.pathSegments()
    for segment in segments {
      if let problem = segmentProblem(segment) { return "output path " + problem }
    }
    if segments[0].utf8.count == stateFolderName.utf8.count, segments[0].lowercased() == stateFolderName {
      return "output path is inside \"\(stateFolderName)/\", which swapsync reserves for its own state"
    }
    // With `"outputDir": "."` an output could land in the repository's own metadata (a hook).
    if segments.contains(where: { $0.lowercased() == ".git" }) {
      return "output path is inside a \".git/\" folder, which belongs to git"
    }
    if let ext = fileExtension(of: segments[segments.count - 1]),
      !allowedExtensions.contains(ext.lowercased())
    {
      let list = allowedExtensions.map { "." + $0 }.joined(separator: " ")
      // An invisible or combining character is shown as its scalar: ".\u{200B}png" is not ".png".
      let shown = ext.utf8.allSatisfy { $0 < 0x80 } ? "\".\(ext)\"" : ManifestCollisions.scalars("." + ext)
      return "output path has extension \(shown); use one of \(list) or no extension"
    }
    return nil
  }

  /// Nil when `segment` can be one path segment (a matrix key used in an output template).
  public static func segmentProblem<S: StringProtocol>(_ segment: S) -> String? {
    if segment.isEmpty { return "contains an empty segment (\"//\", or a \"/\" at the end)" }
    if segment == "." { return "contains a \".\" segment" }
    if segment == ".." { return "contains a \"..\" segment; outputs must stay inside the output folder" }
    // Byte searches: `contains` with a string argument goes through Foundation, many times slower.
    if segment.utf8.contains(UInt8(ascii: "/")) { return "contains \"/\"" }
    if segment.utf8.contains(UInt8(ascii: "\\")) { return "contains a backslash" }
    if let control = segment.unicodeScalars.first(where: isForbiddenScalar) {
      return "contains a control character (\(scalarName(control)))"
    }
    let size = segment.utf8.count
    if size > maxSegmentBytes {
      let start = String(segment.prefix(24))
      return
        "has a segment of \(size) bytes (\"\(start)…\"); the limit is \(maxSegmentBytes) bytes of UTF-8"
    }
    return nil
  }

  /// The key under which two outputs collide on a case-insensitive, normalization-insensitive file
  /// system (macOS, Windows): lowercased and in Unicode canonical composed form.
  public static func foldedKey(_ path: String) -> String {
    path.lowercased().precomposedStringWithCanonicalMapping
  }

  /// The extension of a file name: the text after the last `.`, unless that dot starts the name.
  /// `photo.JPG` → `JPG`; `.hidden` → nil; `photo` → nil; `photo.` → `` (empty, not allowed).
  static func fileExtension<S: StringProtocol>(of name: S) -> String? {
    // By bytes, like `pathSegments`: "." and a combining mark after it are one character.
    let bytes = String(name).utf8
    guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot != bytes.startIndex else { return nil }
    return String(decoding: bytes[bytes.index(after: dot)...], as: UTF8.self)
  }

  private static func isForbiddenScalar(_ scalar: Unicode.Scalar) -> Bool {
    // ASCII's controls are U+0000-U+001F and U+007F; only other scalars need the (slow) lookup.
    if scalar.isASCII { return scalar.value < 0x20 || scalar.value == 0x7F }
    return scalar.properties.generalCategory == .control
  }

  static func scalarName(_ scalar: Unicode.Scalar) -> String {
    let digits = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
