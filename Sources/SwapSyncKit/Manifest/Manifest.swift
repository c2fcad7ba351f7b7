/// A validated version-1 manifest: every entry expanded, checked and sorted by output path.
public struct Manifest: Sendable {
  /// The manifest file path as the user gave it (used in messages).
  public var path: String
  /// `outputDir` as written in the manifest, if present (not yet resolved).
  public var outputDir: String?
  /// `cache` as written in the manifest, if present (not yet resolved; docs/cache.md).
  public var cache: String?
  public var entries: [ManifestEntry]

  public init(path: String, outputDir: String?, cache: String? = nil, entries: [ManifestEntry]) {
    self.path = path
    self.outputDir = outputDir
    self.cache = cache
    self.entries = entries
  }
}
