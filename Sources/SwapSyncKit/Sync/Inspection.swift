import Foundation

/// A read-only look at a workspace for `plan`, `status` and `verify`: no run lock taken,
/// nothing written; the journal of a run in progress is replayed in memory.
public struct Inspection: Sendable {
  public var workspace: Workspace
  public var lock: Lockfile
  /// PID of the run holding the lock, if one is in progress.
  public var runnerPID: Int32?
  public var entries: [EntryReport]
  public var plans: [JobPlan]
  /// Whether `--adopt` was given: untracked files would be recorded, not skipped.
  public var adopt = false
  /// `--max-submits`: at most this many of the submits happen in one run.
  public var maxSubmits: Int?
  /// `--jobs` of a `--no-wait` run: at most this many jobs in flight (`SyncEngine.submitBudget`).
  public var inFlight: Int?
  /// `--max-image-size`, in bytes: a result at hand larger than this is not copied
  /// (`JobPlan.keptSize(over:)`).
  public var maxImageSize = SyncOptions.defaultMaxImageSize
  /// The journal holds records the lockfile on disk lacks, and no run is in progress to fold
  /// them in: the last run stopped before writing the lockfile, or could not write it. The
  /// entries shown include them; the file a user would commit does not (`behindNote`).
  public var lockfileBehind = false
  /// Outputs of the journal's records that this manifest does not name: `sync` refuses to
  /// replay it here (`Workspace.foreignJournalOutputs`).
  public var foreignJournalOutputs: [String] = []
  /// With `adopt`, the untracked outputs `sync --adopt` would record: regular files that begin
  /// like a JPEG, PNG, WebP or GIF (the test `Adopter` makes); the others stay untracked.
  public var adoptable: Set<String> = []
  /// Untracked outputs `sync --adopt` refuses although they are images, with why: swapsync's
  /// results for other inputs (`ResultLedger`) where the lockfile records an adopted file.
  public var notAdoptable: [String: String] = [:]

  public static func load(
    _ workspace: Workspace, resubmit: Set<EntryState> = [], adopt: Bool = false, maxSubmits: Int? = nil,
    inFlight: Int? = nil, maxImageSize: Int = SyncOptions.defaultMaxImageSize
  ) throws(SwapSyncFailure) -> Inspection {
    let pid = workspace.runInProgress()
    let state = try workspace.loadState(reusing: nil)
    let lock = state.lock
    let files = OutputFiles.readOnly(root: workspace.outputRoot, trustStatCache: true)
    var planner = Planner(resubmit: resubmit)
    planner.runInProgress = pid != nil
    var inspection = Inspection(
      workspace: workspace, lock: lock, runnerPID: pid,
      entries: planner.report(
        manifest: workspace.manifest, lock: lock, files: files, runInProgress: pid != nil),
      plans: planner.plan(manifest: workspace.manifest, lock: lock, files: files), adopt: adopt,
      maxSubmits: maxSubmits, inFlight: inFlight, lockfileBehind: pid == nil && state.journalChanges
    )
    inspection.maxImageSize = maxImageSize
    // Where `sync` copies a sibling's verified file, the rows say so, not that it downloads; where
    // it does nothing for a record it cannot trust (`JobPlan.conflict`), they say why.
    for plan in inspection.plans {
      let source: String? = if case .restore(_, let source?) = plan.action { source } else { nil }
      guard source != nil || plan.conflict != nil else { continue }
      for index in inspection.entries.indices where plan.pending.contains(inspection.entries[index].output) {
        if let conflict = plan.conflict {
          inspection.entries[index].detail = "\(conflict); \(EntryReport.blockedNote)"
        } else if plan.pending.contains(source ?? ""), inspection.entries[index].status == .untracked,
          let running = lock.entries[inspection.entries[index].output], running.state == .running
        {
          // `Planner.runningJobResult`: the file is the result of the job this record follows.
          inspection.entries[index].status = .running
          inspection.entries[index].detail =
            "its job's result is already at \(source ?? ""), installed by a run whose lockfile this is not: "
            + "sync records it done, buying nothing"
        } else if let source {
          inspection.entries[index].detail = inspection.entries[index].detail?.replacingOccurrences(
            of: Planner.downloadAgain, with: "it will be copied from \(source), which holds the same result")
        }
      }
    }
    if inspection.lockfileBehind {
      inspection.foreignJournalOutputs = workspace.foreignJournalOutputs(state)
      // Their rows would advise what `sync` and `prune` refuse to do with this journal.
      let foreign = Set(inspection.foreignJournalOutputs)
      for index in inspection.entries.indices where foreign.contains(inspection.entries[index].output) {
        inspection.entries[index].detail =
          "a run that stopped before writing the lockfile paid (or may have paid) for this output with "
          + "inputs this manifest does not give it; `sync` and `prune` refuse that journal until it is "
          + "replayed with that run's manifest (see the note below)"
      }
    }
    if adopt {
      let pairs = Dictionary(
        workspace.manifest.entries.map { ($0.output, $0.pair) }, uniquingKeysWith: { first, _ in first })
      for entry in inspection.entries where entry.status == .untracked {
        guard let pair = pairs[entry.output], let known = files.known(entry.output, pair) else { continue }
        if known.pair != pair {
          inspection.notAdoptable[entry.output] = "swapsync's result for other inputs"
        } else if let other = lock.output(recording: known.jobId, forOtherThan: pair, besides: entry.output) {
          // `Adopter`: recorded, the lockfile would name one job for two pairs.
          inspection.notAdoptable[entry.output] =
            "its job \(known.jobId) is named by the record of \(other) for other inputs; fix that record first"
        }
      }
      inspection.adoptable = Set(
        inspection.entries.filter { $0.status == .untracked && inspection.notAdoptable[$0.output] == nil }
          .map(\.output).filter {
            Self.beginsLikeAnImage(workspace.outputRoot + "/" + $0)
          })
      // `sync --adopt` records these files first and plans again: the other outputs of an adopted
      // file's pair are copied from it, not bought (one pair, one result).
      for index in inspection.plans.indices where inspection.plans[index].action.isSubmit {
        guard let adopted = inspection.plans[index].untracked.first(where: inspection.adoptable.contains)
        else { continue }
        inspection.plans[index].action = .restore(jobId: "", copyFrom: adopted)
      }
    }
    return inspection
  }

  /// Whether `path` is a regular file (links not followed) whose first bytes are an accepted
  /// image type's signature.
  private static func beginsLikeAnImage(_ path: String) -> Bool {
    let fd = Posix.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    guard fd >= 0 else { return false }
    defer { Posix.closeQuietly(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
    var prefix = [UInt8](repeating: 0, count: 32)
    let count = prefix.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return count > 0 && ImageType.sniff(prefix.prefix(count)) != nil
  }

  /// What `status`, `plan` and `verify` say when `lockfileBehind` (docs/lockfile.md, "Replay").
  public var behindNote: String {
    "note: \(workspace.lockPath) is behind: records of the last run are only in "
      + "\(workspace.journalPath) (it stopped before writing the lockfile, or could not write it). The "
      + "entries above include them; do not commit the lockfile as it is: run `swapsync sync --max-submits 0 "
      + "--no-wait` (it buys nothing) once the lockfile can be written, with the manifest that run had (the same "
      + "git branch), so that its records land in that branch's lockfile"
      + (foreignJournalOutputs.isEmpty
        ? ""
        : ". It holds paid jobs for \(Wording.count(foreignJournalOutputs.count, "output")) this manifest does "
          + "not name with those inputs (\(foreignJournalOutputs.prefix(3).joined(separator: ", "))"
          + "\(foreignJournalOutputs.count > 3 ? ", …" : "")): `swapsync sync` refuses to replay it with this manifest")
  }

  /// Exit status for `status`: 0 in sync, 1 attention needed, 75 work pending.
  public var statusExit: ExitStatus { Self.statusExit(of: entries) }

  /// The `status` exit status of some entries (`status --state` judges only those it shows):
  /// 1 if any needs attention, else 75 if any has work pending, else 0 (also for none).
  public static func statusExit(of entries: [EntryReport]) -> ExitStatus {
    if entries.contains(where: { $0.status.needsAttention || $0.isBlocked }) { return .attention }
    let settled: Set<EntryStatus> = [.done, .orphan]
    return entries.allSatisfy { settled.contains($0.status) } ? .inSync : .tryLater
  }

  /// What `sync` would do with the same flags.
  public var summary: PlanSummary {
    var summary = PlanSummary()
    for plan in plans {
      switch plan.action {
      case .submit: summary.submits += 1
      case .poll: summary.polls += 1
      case .restore where plan.keptSize(over: maxImageSize) != nil:
        summary.blocked += plan.pending.count
      case .restore(_, let copyFrom):
        if copyFrom == nil {
          summary.fetches += 1
          summary.downloads += 1
        } else {
          summary.copies += plan.pending.count
        }
        summary.repairs += plan.pending.count
      case .blocked(.submitting): summary.submitting += plan.pending.count
      case .blocked: summary.blocked += plan.pending.count
      case .none: break
      }
      summary.inTheWay += plan.inTheWay.count
    }
    let budget = SyncEngine.submitBudget(plans, cap: maxSubmits, inFlight: inFlight)
    summary.submitsDeferred = summary.submits - budget
    summary.submits = budget
    // Every job polled, or bought by a run that waits (`inFlight` is set for --no-wait), ends in
    // a download too: the figure is the most `sync` downloads, a cache aside.
    summary.downloads += summary.polls + (inFlight == nil ? budget : 0)
    let untracked = entries.filter { $0.status == .untracked && !$0.isInTheWay }.count
    summary.adoptions = adopt ? adoptable.count : 0
    summary.untracked = untracked - summary.adoptions
    summary.orphans = entries.filter { $0.status == .orphan }.count
    return summary
  }

  /// The jobs `sync` would give up, by output (`GivenUpJobs`).
  public var jobsGivenUp: [String: String] {
    GivenUpJobs(manifest: workspace.manifest, lock: lock).byOutput(plans, lock: lock, adopt: adopt)
  }

  /// Exit status for `plan`: 2 changes pending, else 1 attention needed, else 0.
  public var planExit: ExitStatus {
    // `sync` would refuse this journal (65) and do none of the work below.
    if !foreignJournalOutputs.isEmpty { return .attention }
    let summary = self.summary
    // Submits held back by --max-submits are work too, for a later run.
    let work =
      summary.submits + summary.submitsDeferred + summary.polls + summary.repairs + summary.adoptions
      + summary.submitting
    if work > 0 { return .changesPending }
    if summary.inTheWay > 0 || summary.blocked > 0 { return .attention }
    return entries.contains(where: { $0.status.needsAttention }) ? .attention : .inSync
  }
}

/// Counts of what `sync` would do.
public struct PlanSummary: Sendable, Codable, Equatable {
  /// New jobs to buy: each one spends quota.
  public var submits = 0
  /// Submits `--max-submits` holds back for a later run.
  public var submitsDeferred = 0
  /// Running jobs to poll (fetched until they end).
  public var polls = 0
  /// Done jobs to fetch again for a fresh result URL.
  public var fetches = 0
  /// Results to download at most: one per job fetched again, per job polled, and (unless
  /// `--no-wait`) per job bought. A cache that holds a result spares its download.
  public var downloads = 0
  /// Outputs to copy from a verified sibling with the same job.
  public var copies = 0
  /// Outputs of done entries whose file is missing or modified.
  public var repairs = 0
  /// Outputs `sync` leaves as they are: waiting for `--resubmit`, or whose result at hand is
  /// larger than `--max-image-size`.
  public var blocked = 0
  /// Outputs whose submit the `sync` in progress sent and waits for the answer of.
  public var submitting = 0
  /// Outputs where a file swapsync did not write stands: skipped, never bought or replaced.
  public var untracked = 0
  /// Recorded outputs with a link, folder or special file in the way: `sync` writes nothing
  /// through it and exits 73 (`JobPlan.inTheWay`).
  public var inTheWay = 0
  /// Untracked files `--adopt` would record as they are (no purchase).
  public var adoptions = 0
  public var orphans = 0

  /// Nothing to do.
  public init() {}
}
