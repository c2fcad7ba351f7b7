/// Counts of what a run did, for the summary.
public struct RunTally: Sendable, Codable, Equatable {
  public var submitted = 0
  public var quotaSpent = 0
  /// Fetch requests that may have reached TTAPI (`TTAPIClient.fetchesSent`).
  public var fetches = 0
  public var downloaded = 0
  public var copied = 0
  /// Untracked files recorded as outputs by `--adopt`.
  public var adopted = 0
  /// Outputs restored from the content cache (docs/cache.md).
  public var restoredFromCache = 0
  /// Objects uploaded to the content cache.
  public var pushedToCache = 0
  public var notSubmitted = 0
  public var warnings: [String] = []

  public init() {}
}

/// The run's tally, shared by concurrent job tasks.
actor TallyKeeper {
  private(set) var tally = RunTally()

  func update(_ change: (inout RunTally) -> Void) { change(&tally) }
}
