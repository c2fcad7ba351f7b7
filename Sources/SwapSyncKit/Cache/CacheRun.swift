/// One run's use of the cache (docs/cache.md): the backend, whether it still answers, and which
/// objects are known to be there. After the first failure (unreachable, refused) the rest of the
/// run leaves the cache alone; the entries are never affected.
actor CacheRun {
  nonisolated let configuration: CacheConfiguration
  /// The backend; nil when the configuration is unusable in this run.
  nonisolated let backend: (any ContentCache)?
  private let stateDir: String
  private var known: Set<String>
  private var changed = false
  private var damaged: Set<String> = []
  /// Why the cache is skipped for the rest of this run, if it is.
  private(set) var unusable: String?
  private var warned = false

  /// `stallTimeout`: how long an S3 request may go without progress (`S3Cache.stallTimeout`).
  init(
    configuration: CacheConfiguration, engine: HTTPEngine, stateDir: String,
    stallTimeout: Duration = .seconds(30)
  ) {
    self.configuration = configuration
    self.stateDir = stateDir
    self.known = CacheLedger.known(stateDir: stateDir, identity: configuration.identity)
    switch configuration.backend {
    case .success(.folder(let root)):
      backend = FolderCache(root: root)
    case .success(.s3(let settings)):
      backend = S3Cache(settings: settings, engine: engine, stallTimeout: stallTimeout)
    case .failure(let error):
      backend = nil
      unusable = error.message
    }
  }

  /// The location as the user wrote it, for messages.
  nonisolated var name: String { configuration.location.description }

  var usable: Bool { unusable == nil }

  func isKnown(_ sha256: String) -> Bool { known.contains(sha256) }

  func markKnown(_ sha256: String) {
    if known.insert(sha256).inserted { changed = true }
    damaged.remove(sha256)
  }

  /// Records that a read found something other than the expected bytes under this address:
  /// the next push replaces it.
  func markDamaged(_ sha256: String) {
    damaged.insert(sha256)
    if known.remove(sha256) != nil { changed = true }
  }

  func isDamaged(_ sha256: String) -> Bool { damaged.contains(sha256) }

  /// Stops using the cache for this run after `error`. Returns the warning to show, once.
  func disable(_ error: CacheError) -> String? {
    guard error.disablesCache else { return nil }
    if unusable == nil { unusable = error.description }
    return takeWarning()
  }

  /// The warning about an unusable cache, the first time it is asked for.
  func takeWarning() -> String? {
    guard let unusable, !warned else { return nil }
    warned = true
    return "cache \(name): \(unusable); it is skipped for the rest of this run"
  }

  /// Writes the record of known objects if it changed.
  func save() throws(FileSystemError) {
    guard changed else { return }
    try CacheLedger.save(known, identity: configuration.identity, stateDir: stateDir)
    changed = false
  }
}
