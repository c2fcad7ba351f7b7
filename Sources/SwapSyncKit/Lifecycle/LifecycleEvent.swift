/// Everything that can change an entry's recorded state, with the facts it brings.
///
/// The list is closed on purpose: `Lifecycle.apply` is the only place that turns an event into a
/// new `LockEntry`, and docs/states.md draws the same table. An interrupt, a run timeout, a
/// stall or a single odd answer is not an event: it changes nothing, and the entry stays
/// collectable for the next run.
public enum LifecycleEvent: Sendable, Equatable {
  /// The intent to buy a job is journaled; the submit may leave right after. Allowed for entries
  /// that never had a job (missing, stale), and for paid-for ones only when `--resubmit` names
  /// their state.
  case submitIntended(at: String)
  /// The submit's answer carried a job id: the job exists and may be billed.
  case jobCreated(jobId: String)
  /// The submit certainly created no job (never sent, 401/402/403/429/499, a redirect): the
  /// entry goes back to what it was before the intent.
  case submitWithdrawn(restoring: LockEntry?)
  /// The service refused the request itself (400, 404): no job was created.
  case submitRejected(message: String, at: String)
  /// The submit was sent but its answer was lost (5xx, timeout, reset, garbled answer), or a run
  /// ended between sending it and recording the answer.
  case submitAnswerLost(reason: String)
  /// The service reported the job `FAILED`.
  case serviceFailed(message: String, quota: Int?, at: String)
  /// The job has had no result for `--job-deadline` since its submit.
  case deadlinePassed(message: String, at: String)
  /// The service answered that it does not know the job (any more).
  case jobUnknown(message: String, at: String)
  /// One run could not get a usable result although it fetched the job for fresh URLs and tried
  /// them repeatedly. `gone` is true when the result URLs answered 403/404/410, false when the
  /// bytes were refused (not an image, a refused URL). `deadlinePassed`: the job's
  /// `--job-deadline` after its submit has passed (a paid entry is given up only then).
  case resultUnusable(reason: String, gone: Bool, at: String, deadlinePassed: Bool = true)
  /// A downloaded result passed verification and is about to be renamed into place: its facts
  /// are recorded first, so that after a crash between the rename and `resultInstalled` the file
  /// at the output is known to be swapsync's own (not `untracked`). The state does not change.
  case installIntended(VerifiedResult)
  /// The verified result is in place at every output of the entry.
  case resultInstalled(VerifiedResult, jobId: String, quota: Int?, at: String)
  /// A file swapsync did not write was recorded as the entry's output (`sync --adopt`).
  case adopted(VerifiedResult)
  /// A file at the output is a result swapsync installed on this machine for job `jobId` and
  /// these inputs (`ResultLedger`; another branch's lockfile records it): `sync --adopt`
  /// records it with its job, quota and times, as the branch that bought it did.
  case recognized(VerifiedResult, jobId: String, quota: Int?, submittedAt: String?, finishedAt: String)
}

/// The facts recorded for a verified output file.
public struct VerifiedResult: Sendable, Equatable {
  /// Lowercase hex SHA-256 of the bytes.
  public var sha256: String
  /// Size in bytes.
  public var size: Int
  public var imageType: ImageType

  public init(sha256: String, size: Int, imageType: ImageType) {
    self.sha256 = sha256
    self.size = size
    self.imageType = imageType
  }
}

/// An event that the entry's current state does not allow: a bug in the caller.
public struct LifecycleError: Error, CustomStringConvertible, Sendable {
  public var from: EntryState?
  public var event: String

  public var description: String {
    "internal error: \(event) is not allowed for an entry that is \(from?.rawValue ?? "not recorded"); "
      + "nothing was changed (please report this)"
  }
}
