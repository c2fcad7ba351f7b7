/// Everything a `sync` run is told by its flags.
public struct SyncOptions: Sendable {
  public var jobs: Int = 10
  public var downloads: Int = 8
  public var noWait = false
  /// The jobs a run may leave in flight at TTAPI: `--jobs` for a `--no-wait` run, which leaves
  /// every job it submits running (`SyncEngine.submitBudget`); no cap for a run that waits.
  var inFlightCap: Int? { noWait ? jobs : nil }
  public var timeout: Duration = .seconds(30 * 60)
  public var pollInterval: Duration = .seconds(5)
  public var maxSubmits: Int?
  public var resubmit: Set<EntryState> = []
  public var jobDeadline: Duration = .seconds(24 * 3600)
  public var maxImageSize = SyncOptions.defaultMaxImageSize
  /// `--max-image-size`'s default: 64 MiB.
  public static let defaultMaxImageSize = 64 << 20
  public var apiBase = "https://api.ttapi.io"
  /// `--stall-timeout`: a transfer below 1 KiB/s for this long is abandoned and retried.
  public var stallTimeout: Duration = .seconds(30)
  /// `--adopt`: record untracked files as they are instead of skipping them.
  public var adopt = false
  /// How long submits already on the wire may still answer after an interrupt or `--timeout`.
  public var stopGrace: Duration = .seconds(5)
  /// Told of every recorded change, download and warning (`--events`, the progress line).
  public var observer: (any SyncObserver)?
  /// The content cache (`cache` in the manifest, `--cache`), resolved with the environment.
  public var cache: CacheConfiguration?
  /// Says a line to the user at once (the CLI prints it to stderr unless `--quiet`).
  public var announce: @Sendable (String) -> Void = { _ in }

  public init() {}
}
