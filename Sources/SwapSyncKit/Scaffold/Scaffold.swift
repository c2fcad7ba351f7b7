import Foundation

/// `swapsync init`: a starter manifest that passes validation and a `.gitignore` line for the
/// machine-local state folder. Never overwrites a file.
public enum Scaffold {
  /// What `init` did.
  public struct Outcome: Sendable, Equatable {
    /// The manifest written.
    public var manifestPath: String
    /// Its `outputDir`: `out`, or `<name>-out` (`outputDir(for:)`).
    public var outputDir: String
    public var gitignorePath: String
    public var gitignore: GitignoreChange
  }

  /// What happened to `.gitignore`.
  public enum GitignoreChange: String, Sendable, Equatable {
    case created, appended, alreadyIgnored
  }

  /// The line `.gitignore` gets: the state folder under any output folder (docs/lockfile.md).
  public static let gitignoreLine = ".swapsync/"

  /// Whether a `.gitignore` line ignores the starter manifest's state folder, `out/.swapsync/`:
  /// a pattern matching that folder, or the output folder holding it, by gitignore's rules as
  /// far as `fnmatch(3)` follows them (a pattern without a slash matches a name at any depth;
  /// `**/` matches any folders; a trailing `/` matches folders). Comments and negations ignore
  /// nothing here.
  static func ignoresStateFolder(_ line: Substring, outputDir: String = "out") -> Bool {
    var pattern = line.trimmingCharacters(in: .whitespaces)
    guard !pattern.isEmpty, !pattern.hasPrefix("#"), !pattern.hasPrefix("!") else { return false }
    if pattern.hasSuffix("/") { pattern.removeLast() }
    let anchored = pattern.dropLast().contains("/")
    if pattern.hasPrefix("/") { pattern.removeFirst() }
    while pattern.hasPrefix("**/") { pattern.removeFirst(3) }
    let candidates =
      anchored && !line.contains("**/") ? [outputDir, outputDir + "/.swapsync"] : [outputDir, ".swapsync"]
    return candidates.contains { fnmatch(pattern, $0, FNM_PATHNAME) == 0 }
  }

  /// The host of the starter's placeholder URLs (example.com is reserved for examples, RFC 2606):
  /// `sync` refuses to buy a pair that still uses it (`isPlaceholder`).
  public static let placeholderHost = "images.example.com"

  /// Whether `url` is one of the starter's placeholders, which no service can fetch an image from.
  public static func isPlaceholder(_ url: String) -> Bool {
    url.lowercased().hasPrefix("https://\(placeholderHost)/")
  }

  /// The outputs of `manifest` that still use the placeholders and have no record of their pair
  /// in `lock`: what `sync` would buy from them (it refuses, exit 65).
  public static func unboughtPlaceholders(_ manifest: Manifest, lock: Lockfile) -> [String] {
    manifest.entries.filter { entry in
      (isPlaceholder(entry.pair.targetImage) || isPlaceholder(entry.pair.swapImage))
        && lock.entries[entry.output]?.pair != entry.pair
    }.map(\.output)
  }

  /// The output folder of a starter manifest at `manifestPath`: `out` for a `swaps.json` with no
  /// `out` beside it yet; `<manifest name>-out` for any other manifest, or when `out` is already
  /// there (another manifest's outputs: one folder has one manifest, docs/manifest.md).
  public static func outputDir(for manifestPath: String) -> String {
    let folder = Posix.directoryName(manifestPath)
    var status = stat()
    let outExists = lstat((folder == "." ? "" : folder + "/") + "out", &status) == 0
    var name = Posix.baseName(manifestPath)
    if name == "swaps.json" && !outExists { return "out" }
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
    return name + "-out"
  }

  /// A valid version-1 manifest with a swap and a 2 × 2 matrix, writing to `outputDir`. The URLs
  /// are placeholders on `placeholderHost` to replace before the first `sync`.
  public static func starterManifest(outputDir: String = "out") -> String {
    starterTemplate.replacingOccurrences(
      of: "\"outputDir\": \"out\"", with: "\"outputDir\": \(jsonString(outputDir))")
  }

  private static func jsonString(_ text: String) -> String {
    var bytes: [UInt8] = []
    CompactJSON.appendString(text, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  private static let starterTemplate = """
    {
      "version": 1,
      "outputDir": "out",
      "swaps": [
        {
          "output": "hero/alice-beach.jpg",
          "targetImage": "https://images.example.com/targets/beach.jpg",
          "swapImage": "https://images.example.com/faces/alice.jpg"
        }
      ],
      "matrix": [
        {
          "targets": {
            "beach": "https://images.example.com/targets/beach.jpg",
            "office": "https://images.example.com/targets/office.jpg"
          },
          "faces": {
            "alice": "https://images.example.com/faces/alice.jpg",
            "bob": "https://images.example.com/faces/bob.jpg"
          },
          "output": "{face}/{target}.jpg"
        }
      ]
    }

    """

  /// Writes the starter manifest at `manifestPath` (its folder is created if needed) and makes the
  /// `.gitignore` beside it ignore `.swapsync/`. An existing manifest is never replaced: that is
  /// exit 73 and nothing is written.
  public static func create(manifestPath: String) throws(SwapSyncFailure) -> Outcome {
    let folder = Posix.directoryName(manifestPath)
    let gitignorePath = (folder == "." ? "" : folder + "/") + ".gitignore"
    let outputDir = outputDir(for: manifestPath)
    let created: Bool
    do throws(FileSystemError) {
      try Posix.makeDirectories(folder)
      created = try NewFile.create(Array(starterManifest(outputDir: outputDir).utf8), at: manifestPath)
    } catch {
      throw SwapSyncFailure(.cannotWrite, "cannot write the starter manifest: \(error)")
    }
    guard created else {
      throw SwapSyncFailure(
        .cannotWrite,
        "\(manifestPath) already exists; swapsync init never overwrites it. Edit it, or name another "
          + "file: swapsync init other.json")
    }
    do throws(FileSystemError) {
      let change = try ignoreStateFolder(gitignorePath, outputDir: outputDir)
      return Outcome(
        manifestPath: manifestPath, outputDir: outputDir, gitignorePath: gitignorePath, gitignore: change)
    } catch {
      throw SwapSyncFailure(
        .cannotWrite, "wrote \(manifestPath), but cannot update \(gitignorePath): \(error)")
    }
  }

  /// Appends the ignore line to `path` unless a line there already ignores the state folder.
  static func ignoreStateFolder(_ path: String, outputDir: String) throws(FileSystemError) -> GitignoreChange
  {
    let existing = FileManager.default.contents(atPath: path)
    if let existing {
      let lines = String(decoding: existing, as: UTF8.self).split(whereSeparator: \.isNewline)
      if lines.contains(where: { Self.ignoresStateFolder($0, outputDir: outputDir) }) {
        return .alreadyIgnored
      }
    }
    let separator = existing.map { !$0.isEmpty && $0.last != UInt8(ascii: "\n") } == true ? "\n" : ""
    let text =
      separator + "# swapsync's machine-local state (run lock, journal, downloads in progress)\n"
      + gitignoreLine + "\n"
    try NewFile.append(Array(text.utf8), to: path)
    return existing == nil ? .created : .appended
  }
}
