import Logging
import Synchronization

/// `swapsync push` (docs/cache.md): uploads to the cache every verified output it does not have,
/// checking each object again (a HEAD, or the folder's file) whatever the local record says.
/// Takes the run lock like `sync`: one run at a time per output folder.
///
/// A first SIGINT, SIGTERM or SIGHUP (`SignalTrap`) stops it the way it stops `sync`
/// (docs/exit-codes.md, "Interrupts"): no new object starts, uploads under way finish, looks at
/// whether an object is there (HEAD) are cut off, the record of what is in the cache is written,
/// and the summary says what was done.
public struct PushEngine: Sendable {
  public var workspace: Workspace
  /// The cache; nil when none is configured (exit 64 once the lockfile is known to be valid).
  public var cache: CacheConfiguration?
  public var http: HTTPEngine.Configuration
  /// Objects in flight at once.
  public var parallel: Int
  /// How long an S3 request may send nothing before it is given up (`--stall-timeout`; also a
  /// HEAD's whole time; docs/cache.md).
  public var stallTimeout: Duration
  public var logger: Logger

  public init(
    workspace: Workspace, cache: CacheConfiguration?, http: HTTPEngine.Configuration, parallel: Int,
    stallTimeout: Duration = .seconds(30), logger: Logger
  ) {
    self.workspace = workspace
    self.cache = cache
    self.http = http
    self.parallel = parallel
    self.stallTimeout = stallTimeout
    self.logger = logger
  }

  /// Pushes, calling `progress` after each object. Throws for what stops the command before
  /// any push: a broken lockfile or journal (65), no cache configured (64), a cache unusable
  /// with this environment (1), the output folder (73) or a run holding it (75). Failed pushes
  /// are in the summary. `trap`, when given, delivers the first signal to this push, which
  /// `announce`s it and stops starting objects; `PushSummary.notAttempted` counts those left.
  public func run(
    trap: SignalTrap? = nil, announce: @escaping @Sendable (String) -> Void = { _ in },
    progress: @escaping @Sendable (PushProgress) -> Void
  ) async throws(SwapSyncFailure) -> PushSummary {
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
    let run = CacheRun(
      configuration: cache, engine: engine, stateDir: folder.stateDir, stallTimeout: stallTimeout)
    let stopped = StopFlag()
    trap?.deliver { signal in
      announce(
        "\(SyncReport.signalName(signal)) received: stopping; uploads under way finish and are recorded, "
          + "no new one starts (signal again to exit at once)")
      stopped.raise()
      // A look at whether an object is there records nothing: not waited for (a stalled server
      // would hold the stop for the request's whole timeout).
      engine.cancelProbes()
    }
    let pusher = CachePusher(
      cache: run, folder: folder, parallel: parallel,
      shouldStop: { stopped.isRaised }, progress: progress)
    let summary = await pusher.push(
      lock, outputs: Set(workspace.manifest.entries.map(\.output)), everything: true)
    trap?.deliver { _ in }
    return summary
  }

  /// Outputs of `lock` not yet known to be in the cache, by the machine-local record (offline;
  /// for `status`).
  public static func pending(_ workspace: Workspace, lock: Lockfile, cache: CacheConfiguration) -> [String] {
    CacheLedger.pending(
      lock, outputs: Set(workspace.manifest.entries.map(\.output)), identity: cache.identity,
      stateDir: workspace.stateDir)
  }
}

/// Set once by the first signal; read before each object starts.
private final class StopFlag: Sendable {
  private let raised = Atomic<Bool>(false)

  func raise() { raised.store(true, ordering: .relaxed) }
  var isRaised: Bool { raised.load(ordering: .relaxed) }
}
