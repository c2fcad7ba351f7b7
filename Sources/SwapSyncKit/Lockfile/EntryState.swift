/// The lifecycle state of one output entry (docs/states.md), as recorded in the lockfile and journal.
public enum EntryState: String, Codable, Sendable, CaseIterable, Comparable {
  /// Intent to submit is journaled; the request may be on the wire. Never survives a run.
  case submitting
  /// The job id is durable; the job runs at TTAPI.
  case running
  /// The verified output is in place and its checksum recorded.
  case done
  /// The job ended FAILED, or its result was rejected. `message` says why.
  case failed
  /// A submit was sent but its answer was lost: the job may exist and may be billed.
  case uncertain
  /// The job's result can no longer be downloaded.
  case lost

  public static func < (lhs: EntryState, rhs: EntryState) -> Bool {
    lhs.rawValue < rhs.rawValue
  }
}
