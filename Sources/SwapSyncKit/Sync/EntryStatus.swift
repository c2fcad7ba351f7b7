/// What `status` and `plan` say about one output, combining the lockfile, the manifest
/// and the file on disk (docs/states.md).
public enum EntryStatus: String, Sendable, Codable, CaseIterable {
  case missing, submitting, running, done, failed, uncertain, lost, stale, modified, orphan

  /// Entries a user must look at: already paid for, not converging on their own.
  public var needsAttention: Bool { self == .failed || self == .uncertain || self == .lost }
}

/// The assessed state of one output.
public struct EntryReport: Sendable, Codable, Equatable {
  public var output: String
  public var status: EntryStatus
  public var jobId: String?
  public var detail: String?
}
