/// What `status` and `plan` say about one output, combining the lockfile, the manifest
/// and the file on disk (docs/states.md). The recorded states of `EntryState` plus the ones
/// only the files and the manifest tell: `missing`, `stale`, `modified`, `untracked`, `orphan`.
public enum EntryStatus: String, Sendable, Codable, CaseIterable {
  case missing, submitting, running, done, failed, uncertain, lost, stale, modified, untracked, orphan

  /// Entries a user must look at: already paid for and not converging on their own, or a file
  /// swapsync did not write standing where an output goes.
  public var needsAttention: Bool {
    self == .failed || self == .uncertain || self == .lost || self == .untracked
  }

  /// Entries a plain `sync` buys a job for: those that never had one for their inputs.
  public var submitsAutomatically: Bool { self == .missing || self == .stale }

  /// Entries a run still has work for without any decision of the user's.
  public var isPending: Bool {
    [.missing, .submitting, .running, .stale, .modified].contains(self)
  }
}

/// The assessed state of one output.
public struct EntryReport: Sendable, Codable, Equatable {
  public var output: String
  public var status: EntryStatus
  public var jobId: String?
  public var detail: String?

  /// How a recorded output's `detail` ends when a link, folder or special file stands in its
  /// place: `untracked`, but not for `--adopt` (swapsync wrote that output; it is put back once
  /// the thing is moved).
  public static let inTheWayNote = "until then `swapsync sync` cannot put the output back (exit 73)"

  /// Whether this is such an output (`inTheWayNote`).
  public var isInTheWay: Bool { status == .untracked && detail?.hasSuffix(Self.inTheWayNote) == true }

  /// How `detail` ends for an output whose record `sync` does not act on (`JobPlan.conflict`):
  /// the user must fix the lockfile, so `status` asks for attention (1), not for a run (75).
  public static let blockedNote = "nothing is done for it until the lockfile is fixed"

  /// Whether this is such an output (`blockedNote`).
  public var isBlocked: Bool { detail?.hasSuffix(Self.blockedNote) == true }
}
