/// Everything a `sync` run is told by its flags.
public struct SyncOptions: Sendable {
  public var jobs: Int = 10
  public var downloads: Int = 8
  public var noWait = false
  public var timeout: Duration = .seconds(30 * 60)
  public var pollInterval: Duration = .seconds(5)
  public var maxSubmits: Int?
  public var resubmit: Set<EntryState> = []
  public var jobDeadline: Duration = .seconds(24 * 3600)
  public var maxImageSize = 64 << 20
  public var apiBase = "https://api.ttapi.io"

  public init() {}
}
