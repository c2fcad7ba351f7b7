import Logging

/// `swapsync push` (docs/cache.md): uploads to the cache every verified output it does not have,
/// checking each object again (a HEAD, or the folder's file) whatever the local record says.
/// Takes the run lock like `sync`: one run at a time per output folder.
public struct PushEngine: Sendable {
  public var workspace: Workspace
  /// The cache; nil when none is configured (exit 64 once the lockfile is known to be valid).
  public var cache: CacheConfiguration?
  public var http: HTTPEngine.Configuration
  /// Objects in flight at once.
  public var parallel: Int
  public var logger: Logger

  public init(
    workspace: Workspace, cache: CacheConfiguration?, http: HTTPEngine.Configuration, parallel: Int,
    logger: Logger
  ) {
    self.workspace = workspace
    self.cache = cache
    self.http = http
    self.parallel = parallel
    self.logger = logger
  }

  /// Pushes, calling `progress` after each object. Throws for what stops the command before
  /// any push: a broken lockfile or journal (65), no cache configured (64), a cache unusable
  /// with this environment (1), the output folder (73) or a run holding it (75). Failed pushes
  /// are in the summary.
  public func run(progress: @escaping @Sendable (PushProgress) -> Void) async throws(SwapSyncFailure)
    -> PushSummary
  {
    // A usage error outranks a broken lockfile (docs/exit-codes.md, "Which code wins").
    guard let cache else {
      throw SwapSyncFailure(
        .usage, "no cache configured: add \"cache\" to the manifest or pass --cache LOCATION")
    }
    _ = try workspace.loadState()
    if case .failure(let error) = cache.backend {
      throw SwapSyncFailure(.attention, "cache \(cache.location): \(error.message); nothing was pushed")
    }
    let (folder, runLock) = try workspace.lockOutputFolder()
    defer { runLock.release() }
    let (lock, _) = try workspace.loadState()
    let engine = HTTPEngine(configuration: http, logger: logger)
    let run = CacheRun(configuration: cache, engine: engine, stateDir: folder.stateDir)
    let pusher = CachePusher(
      cache: run, folder: folder, parallel: parallel, shouldStop: { false }, progress: progress)
    return await pusher.push(lock, outputs: Set(workspace.manifest.entries.map(\.output)), everything: true)
  }

  /// Outputs of `lock` not yet known to be in the cache, by the machine-local record (offline;
  /// for `status`).
  public static func pending(_ workspace: Workspace, lock: Lockfile, cache: CacheConfiguration) -> [String] {
    CacheLedger.pending(
      lock, outputs: Set(workspace.manifest.entries.map(\.output)), identity: cache.identity,
      stateDir: workspace.stateDir)
  }
}
