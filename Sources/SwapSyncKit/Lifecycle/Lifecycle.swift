/// The one declaration of how an entry's recorded state changes (docs/states.md).
///
/// The runner, the planner and `status` all go through here: `apply` is the only function that
/// builds a new `LockEntry` from an event, and `transitions` lists every allowed
/// (state, event) → state for the documentation and the unit tests.
///
/// The money rule lives in this table: once a job id is known (`running`, `done`), the entry
/// leaves the collectable states only through `serviceFailed`, `deadlinePassed`, `jobUnknown`,
/// or, for a `running` entry, `resultUnusable` in `unusableRunLimit` separate runs, the last of
/// them after the job's `--job-deadline` has passed since its submit. A `done`
/// entry's result was verified once and its checksum is recorded: a restore that fails leaves
/// the record as it is, whatever the number of runs.
public enum Lifecycle {
  /// Runs in which a result must stay unusable (with freshly fetched URLs each time) before a
  /// paid entry gives up: 3 runs.
  public static let unusableRunLimit = 3

  /// The kinds of event, as named in docs/states.md.
  public enum EventKind: String, Sendable, CaseIterable {
    case submitIntended, jobCreated, submitWithdrawn, submitRejected, submitAnswerLost
    case serviceFailed, deadlinePassed, jobUnknown, resultUnusable, installIntended, resultInstalled, adopted
    case recognized
  }

  /// One allowed transition. `from == nil` is an output with no lockfile record.
  public struct Transition: Sendable, Equatable {
    public var from: EntryState?
    public var event: EventKind
    public var to: EntryState?
    /// A condition on the record besides its state, when there is one.
    public var onlyWhen: Condition?
  }

  /// Conditions that narrow a transition.
  public enum Condition: String, Sendable {
    /// The record belongs to other inputs: the manifest changed, a new job is needed.
    case stale
    /// The record has no job (an adopted file): nothing was ever bought for it.
    case noJob
  }

  /// Every allowed transition. `resultUnusable` keeps the state until the limit is reached, and
  /// `submitWithdrawn` goes back to whatever was recorded before the intent.
  public static let transitions: [Transition] = {
    var all: [Transition] = []
    func add(_ from: [EntryState?], _ event: EventKind, _ to: EntryState?, onlyWhen: Condition? = nil) {
      all += from.map { Transition(from: $0, event: event, to: to, onlyWhen: onlyWhen) }
    }
    // Never bought, or paid for and named by --resubmit (the planner decides which).
    add([nil, .failed, .uncertain, .lost], .submitIntended, .submitting)
    // A record for other inputs, in any settled state, may be bought again for the new ones.
    add([.running, .done], .submitIntended, .submitting, onlyWhen: .stale)
    add([.done], .submitIntended, .submitting, onlyWhen: .noJob)
    let submittable: [EntryState?] = [nil, .running, .done, .failed, .uncertain, .lost]
    add([.submitting], .jobCreated, .running)
    for restored in submittable { add([.submitting], .submitWithdrawn, restored) }
    add([.submitting], .submitRejected, .failed)
    add([.submitting], .submitAnswerLost, .uncertain)
    add([.running, .done], .serviceFailed, .failed)
    add([.running], .deadlinePassed, .failed)
    add([.running, .done], .jobUnknown, .lost)
    add([.running], .resultUnusable, .running)
    add([.done], .resultUnusable, .done)
    add([.running], .resultUnusable, .failed)
    add([.running], .resultUnusable, .lost)
    add([.running], .installIntended, .running)
    add([.done], .installIntended, .done)
    add([.running, .done], .resultInstalled, .done)
    add([nil, .running, .done, .failed, .uncertain, .lost], .adopted, .done)
    add([nil, .running, .done, .failed, .uncertain, .lost], .recognized, .done)
    return all
  }()

  /// States in which a job id is known and its result can still be collected.
  public static func isCollectable(_ state: EntryState) -> Bool { state == .running || state == .done }

  /// The job a submit for `pair` gives up at `entry`'s output: a job bought for the manifest's
  /// old inputs and not collected yet (`running`). Changing a running entry's inputs makes it
  /// `stale` and buys the new pair; the old job's result is then never downloaded, so `plan`,
  /// `status` and `sync` name it (docs/states.md, "Changing the inputs of a running entry").
  public static func jobGivenUp(at entry: LockEntry?, for pair: SwapPair) -> String? {
    guard let entry, entry.pair != pair, entry.state == .running else { return nil }
    return entry.jobId
  }

  /// The job `sync --adopt` gives up at `entry`'s output: one still `running` (bought, not
  /// collected), whose record the adopted file's takes over (docs/states.md).
  public static func jobGivenUpByAdopting(_ entry: LockEntry?) -> String? {
    guard let entry, entry.state == .running else { return nil }
    return entry.jobId
  }

  /// The new record for `entry` after `event`, for an entry whose desired inputs are `pair`.
  /// `entry` belongs to another pair when the manifest changed (a stale entry).
  ///
  /// - Throws: `LifecycleError` when the entry's state does not allow the event.
  public static func apply(_ event: LifecycleEvent, to entry: LockEntry?, pair: SwapPair)
    throws(LifecycleError) -> LockEntry?
  {
    let from = entry?.state
    let stale = entry.map { $0.pair != pair } ?? false
    func require(_ allowed: Bool) throws(LifecycleError) {
      guard allowed else { throw LifecycleError(from: from, event: "\(kind(of: event).rawValue)") }
    }
    func fresh(_ state: EntryState) -> LockEntry {
      LockEntry(targetImage: pair.targetImage, swapImage: pair.swapImage, state: state)
    }
    switch event {
    case .submitIntended(let at):
      let settledPaid = from == .running || from == .done
      try require(from != .submitting && (!settledPaid || stale || (from == .done && entry?.jobId == nil)))
      var next = fresh(.submitting)
      next.submittedAt = at
      // A stale output's file is swapsync's own until the new result replaces it: its checksum
      // stays with the new job's record, so that file is never taken for one the user put there
      // (`Planner.untrackedSize`) while the job runs past this run.
      if stale, from == .done, entry?.adopted != true {
        next.sha256 = entry?.sha256
        next.size = entry?.size
      }
      return next
    case .jobCreated(let jobId):
      try require(from == .submitting && !stale)
      var next = entry ?? fresh(.running)
      next.state = .running
      next.jobId = jobId
      return next
    case .submitWithdrawn(let restoring):
      try require(from == .submitting)
      return restoring
    case .submitRejected(let message, let at):
      try require(from == .submitting)
      return ended(entry, .failed, "TTAPI rejected the submit: \(message)", at: at)
    case .submitAnswerLost(let reason):
      try require(from == .submitting)
      var next = entry
      next?.state = .uncertain
      next?.message = reason
      return next
    case .serviceFailed(let message, let quota, let at):
      try require((from == .running || from == .done) && !stale)
      var next = ended(entry, .failed, message, at: at)
      next?.quota = quota ?? entry?.quota
      return next
    case .deadlinePassed(let message, let at):
      try require(from == .running && !stale)
      return ended(entry, .failed, message, at: at)
    case .jobUnknown(let message, let at):
      try require((from == .running || from == .done) && !stale)
      return ended(entry, .lost, message, at: at)
    case .resultUnusable(let reason, let gone, let at, let deadlinePassed):
      try require((from == .running || from == .done) && !stale)
      // A failed restore is this machine's trouble (a CDN down, a mirror serving other bytes),
      // not a portable fact: the committed record stays byte for byte (docs/states.md).
      if from == .done { return entry }
      var next = entry
      let runs = (entry?.unusableRuns ?? 0) + 1
      // A few runs in a row say little when they come minutes apart (a CDN down for a while,
      // cron every minute): the entry also needs its --job-deadline to have passed.
      guard runs >= unusableRunLimit, deadlinePassed else {
        next?.unusableRuns = runs
        next?.message =
          runs < unusableRunLimit
          ? "result unusable in \(runs) of \(unusableRunLimit) runs so far: \(reason)"
          : "result unusable in \(runs) runs so far; given up once --job-deadline has passed since the "
            + "submit: \(reason)"
        return next
      }
      next?.unusableRuns = nil
      let message = "result unusable in \(runs) runs, with fresh URLs each time: \(reason)"
      return ended(next, gone ? .lost : .failed, message, at: at)
    case .installIntended(let result):
      try require((from == .running || from == .done) && !stale)
      var next = entry
      next?.record(result)
      return next
    case .resultInstalled(let result, let jobId, let quota, let at):
      try require((from == .running || from == .done) && !stale)
      guard var next = entry else { return nil }
      let unchanged = from == .done && next.sha256 == result.sha256
      next.state = .done
      next.jobId = jobId
      next.record(result)
      next.quota = quota ?? next.quota
      next.message = nil
      next.unusableRuns = nil
      next.finishedAt = unchanged ? next.finishedAt : at
      return next
    case .adopted(let result):
      try require(from != .submitting)
      var next = fresh(.done)
      next.record(result)
      next.adopted = true
      return next
    case .recognized(let result, let jobId, let quota, let submittedAt, let finishedAt):
      try require(from != .submitting)
      var next = fresh(.done)
      next.record(result)
      next.jobId = jobId
      next.quota = quota
      next.submittedAt = submittedAt
      next.finishedAt = finishedAt
      return next
    }
  }

  /// The kind of `event`, for messages and the transition table.
  public static func kind(of event: LifecycleEvent) -> EventKind {
    switch event {
    case .submitIntended: .submitIntended
    case .jobCreated: .jobCreated
    case .submitWithdrawn: .submitWithdrawn
    case .submitRejected: .submitRejected
    case .submitAnswerLost: .submitAnswerLost
    case .serviceFailed: .serviceFailed
    case .deadlinePassed: .deadlinePassed
    case .jobUnknown: .jobUnknown
    case .resultUnusable: .resultUnusable
    case .installIntended: .installIntended
    case .resultInstalled: .resultInstalled
    case .adopted: .adopted
    case .recognized: .recognized
    }
  }

  private static func ended(_ entry: LockEntry?, _ state: EntryState, _ message: String, at: String)
    -> LockEntry?
  {
    guard var next = entry else { return nil }
    next.state = state
    next.message = message
    next.finishedAt = at
    return next
  }
}

extension LockEntry {
  /// Records the facts of a verified file.
  mutating func record(_ result: VerifiedResult) {
    sha256 = result.sha256
    size = result.size
    imageType = result.imageType.rawValue
  }
}
