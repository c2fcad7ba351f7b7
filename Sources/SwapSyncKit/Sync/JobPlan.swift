/// What a run should do for one job — one distinct input pair and every output that wants it.
public struct JobPlan: Sendable {
  /// The step the pair needs next.
  public enum Action: Sendable, Equatable {
    /// Buy a new job. `reason` is `missing`, `stale`, or the state named by `--resubmit`.
    case submit(reason: EntryStatus)
    /// The job runs at TTAPI: poll it, then download.
    case poll(jobId: String)
    /// The job is done but some outputs lack their verified file: copy it from `copyFrom`
    /// (a verified sibling output) or, without one, fetch the job and download again.
    case restore(jobId: String, copyFrom: String?)
    /// Paid for once and not converging; resubmitted only when `--resubmit` names the state.
    case blocked(EntryStatus)
    case none
  }

  public var pair: SwapPair
  public var hookUrl: String?
  /// Every manifest output with this pair, sorted.
  public var outputs: [String]
  /// The outputs this plan will (re)write.
  public var pending: [String]
  /// Outputs where a file swapsync did not write stands: never written by this plan.
  public var untracked: [String]
  /// Recorded outputs with a link, folder or special file at their path (or where one of their
  /// folders goes), and what is there: never written through, so nothing is fetched for them.
  public var inTheWay: [(output: String, what: String)] = []
  public var action: Action
  /// A `poll` of a job whose result this folder installed before (`Planner.knownJob`): paid
  /// for in an earlier run, so its quota is not counted as spent again when it is installed.
  public var paidBefore = false
  /// For a pair whose lockfile records disagree on its job's result with no output to settle
  /// it (`Planner.reference`): what is wrong. The plan is blocked; `sync` and `plan` say this.
  public var conflict: String? {
    get { currentBox?.conflict }
    set { currentBox = EntryBox(current, kept, newValue) }
  }
  /// For a restore from `.swapsync/replaced/`: the result kept there, put back instead of
  /// downloading it or buying the pair again (docs/safety.md).
  public var kept: KeptResult? {
    get { currentBox?.kept }
    set { currentBox = EntryBox(current, newValue, conflict) }
  }
  /// The size in bytes of the result at hand this plan would copy (`kept`), when it is over
  /// `limit` (`--max-image-size`): `sync` leaves the outputs as they are and says so, buying
  /// nothing (`JobRunner.run`), and `plan` shows them blocked.
  public func keptSize(over limit: Int) -> Int? {
    guard kept != nil, let size = current?.size, size > limit else { return nil }
    return size
  }
  /// The lock entry of the job being continued (poll/restore), for its timestamps.
  public var current: LockEntry? {
    get { currentBox?.entry }
    set { currentBox = EntryBox(newValue, kept, conflict) }
  }
  /// `current`, out of line: a plan holding a 192-byte entry inline was 300 bytes, and a run
  /// keeps one plan per pair (30 MB for 100,000 pairs); most plans (submits) have none.
  private var currentBox: EntryBox?

  public init(
    pair: SwapPair, hookUrl: String?, outputs: [String], pending: [String], untracked: [String] = [],
    action: Action, current: LockEntry?
  ) {
    self.pair = pair
    self.hookUrl = hookUrl
    self.outputs = outputs
    self.pending = pending
    self.untracked = untracked
    self.action = action
    self.current = current
  }

  private final class EntryBox: Sendable {
    let entry: LockEntry?
    let kept: KeptResult?
    let conflict: String?
    init?(_ entry: LockEntry?, _ kept: KeptResult?, _ conflict: String?) {
      guard entry != nil || kept != nil || conflict != nil else { return nil }
      (self.entry, self.kept, self.conflict) = (entry, kept, conflict)
    }
  }
}

/// Whether an output file on disk matches its lock entry.
public enum FileCheck: Sendable, Equatable {
  case matches
  case missing
  case differs(String)
  /// The file holds the recorded SHA-256, but the record's size or image type is not that of
  /// those bytes (`problem` says which): the record is wrong (an edit, a bad merge). The job's
  /// result is fetched again and recorded as it is (`JobRunner.recordCorrection`); the file,
  /// holding those very bytes, is not kept aside.
  case misrecorded(problem: String)
  /// Something swapsync refuses to read or write through stands at the path: a symbolic link
  /// (the output's or a folder's), a folder, a special file. `sync` cannot put the output there
  /// (exit 73) until the user moves it; the text says what and where.
  case blocked(String)
}

/// What stands at an output path that has no verified record.
public enum FileProbe: Sendable, Equatable {
  case absent
  /// A regular file of this many bytes.
  case present(size: Int)
  /// Nothing under this exact name, but a file whose name is another Unicode normalisation of
  /// it (`name`, as found on disk), or (`folder`) one of its folders is missing and a folder
  /// named another normalisation of it is there (`name`: its path in the output folder).
  case otherSpelling(String, folder: Bool = false)
  /// Something that is not a regular file stands there, or where one of its folders goes
  /// (`what` says which and where: "a folder is at this path", "a symbolic link is at sub,
  /// where a folder goes"): swapsync never writes through it, so nothing is bought for it.
  case blocked(what: String)
}

/// How the planner sees the output folder: two read-only questions.
public struct FileView: Sendable {
  /// Compares an output with its lock entry.
  public var check: @Sendable (String, LockEntry) -> FileCheck
  /// Tells what stands at an output path.
  public var probe: @Sendable (String) -> FileProbe
  /// Whether the file at an output path is a result swapsync installed in this folder, and for
  /// which job and inputs (`ResultLedger`); nil when not known to be.
  public var known: @Sendable (_ output: String, _ wanted: SwapPair) -> ResultLedger.Known?
  /// The bytes with this SHA-256 and a size in the range that an earlier install kept in
  /// `.swapsync/replaced/` for one of `outputs`, hashed now: their path relative to the output
  /// folder and digest (`OutputFolder.openKept`); nil when there are none.
  public var keptCopy:
    @Sendable (_ outputs: [String], _ sha256: String, _ sizes: ClosedRange<Int>) -> (
      path: String, digest: FileDigest
    )?
  /// Every result this folder installed for `pair`, newest first (`ResultLedger`).
  public var knownResults: @Sendable (_ pair: SwapPair) -> [(sha256: String, known: ResultLedger.Known)]
  /// The bytes of the regular file at an output path (through the stat cache in a run); nil
  /// when there is none or it cannot be read.
  public var digest: @Sendable (_ output: String) -> FileDigest?
  /// The inputs this folder bought `jobId` for, when the results ledger noted it with the result
  /// `sha256`; nil when it did not.
  public var jobInputs: @Sendable (_ jobId: String, _ sha256: String) -> SwapPair?

  public init(
    check: @escaping @Sendable (String, LockEntry) -> FileCheck,
    probe: @escaping @Sendable (String) -> FileProbe,
    known: @escaping @Sendable (String, SwapPair) -> ResultLedger.Known? = { _, _ in nil },
    keptCopy:
      @escaping @Sendable ([String], String, ClosedRange<Int>) -> (path: String, digest: FileDigest)? = {
        _, _, _ in nil
      },
    knownResults: @escaping @Sendable (SwapPair) -> [(sha256: String, known: ResultLedger.Known)] = { _ in []
    },
    digest: @escaping @Sendable (String) -> FileDigest? = { _ in nil },
    jobInputs: @escaping @Sendable (String, String) -> SwapPair? = { _, _ in nil }
  ) {
    self.check = check
    self.probe = probe
    self.known = known
    self.keptCopy = keptCopy
    self.knownResults = knownResults
    self.digest = digest
    self.jobInputs = jobInputs
  }
}

extension JobPlan {
  /// A `lost` output whose bytes the lockfile records (an adopted file gone, or a result whose
  /// job the service forgot): a cache holding them brings it back, buying nothing (docs/cache.md).
  public var isLostWithKnownBytes: Bool {
    guard let current, current.sha256 != nil, current.size != nil else { return false }
    switch action {
    case .blocked(.lost), .submit(reason: .lost): return true
    default: return false
    }
  }
}

extension JobPlan.Action {
  var isSubmit: Bool {
    if case .submit = self { return true }
    return false
  }
  var isBlocked: Bool {
    if case .blocked = self { return true }
    return false
  }
}

extension FileProbe {
  /// What `otherSpelling` found, for `status`: "a file named "cafe\u{301}.png" (another Unicode
  /// spelling of this output)".
  static func describe(otherSpelling name: String, folder: Bool) -> String {
    let shown = ManifestCollisions.scalars(name)
    return folder
      ? "a folder \(shown) (another Unicode spelling of one of this output's folders)"
      : "a file named \(shown) (another Unicode spelling of this output)"
  }
}
