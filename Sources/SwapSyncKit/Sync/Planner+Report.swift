/// What `status` and the run summary show for each output (docs/states.md).
extension Planner {
  /// A `done` output's repair when nothing nearer holds its result; `Inspection` names the
  /// sibling instead where `sync` copies one (`JobPlan.Action.restore`'s `copyFrom`).
  static let downloadAgain = "it will be downloaded again from the recorded job"

  /// Per-output view for `status` and the run summary.
  public func report(manifest: Manifest, lock: Lockfile, files: FileView, runInProgress: Bool)
    -> [EntryReport]
  {
    var reports: [EntryReport] = []
    let wanted = Set(manifest.entries.map(\.output))
    // Entries whose pair was paid for and needs a decision: a new output of that pair waits with
    // them (`plan` shows it blocked), and says so.
    var decisions: [SwapPair: (output: String, state: EntryState)] = [:]
    for entry in manifest.entries {
      guard let recorded = lock.entries[entry.output], recorded.pair == entry.pair,
        [.failed, .uncertain, .lost, .submitting].contains(recorded.state)
      else { continue }
      decisions[entry.pair] = (entry.output, recorded.state == .submitting ? .uncertain : recorded.state)
    }
    // An orphan's job is the pair's job too (`Sources.orphans`): a renamed output reuses it.
    var reusable: [SwapPair: (output: String, jobId: String?)] = [:]
    let sources = Self.sources(lock: lock, manifest: Dictionary(grouping: manifest.entries, by: \.pair))
    for (output, recorded) in sources.orphans.values.joined() {
      let jobId = recorded.jobId
      // An adopted file has no job: once gone, only the user (`--resubmit lost`) or a cache brings it back.
      let adoptedGone = recorded.adopted == true && files.check(output, recorded) != .matches
      let state: EntryState? =
        switch recorded.state {
        case .done where adoptedGone: .lost
        case .done, .running: nil
        case .submitting: .uncertain
        case .failed, .uncertain, .lost: recorded.state
        }
      if let state {
        if decisions[recorded.pair].map({ output < $0.output }) ?? true {
          decisions[recorded.pair] = (output, state)
        }
      } else if jobId != nil || recorded.adopted == true,
        reusable[recorded.pair].map({ output < $0.output }) ?? true
      {
        reusable[recorded.pair] = (output, jobId)
      }
    }
    // Outputs of the manifest whose own record holds their pair's job: a new or stale output
    // whose inputs are theirs takes that job, as `plan` does. Only those outputs' pairs are
    // looked for (a report of 100,000 done entries builds nothing here).
    var stalePairs: Set<SwapPair> = []
    for entry in manifest.entries where lock.entries[entry.output].map({ $0.pair != entry.pair }) ?? true {
      stalePairs.insert(entry.pair)
    }
    var holders: [SwapPair: (output: String, jobId: String)] = [:]
    for entry in manifest.entries where stalePairs.contains(entry.pair) {
      guard let recorded = lock.entries[entry.output], recorded.pair == entry.pair,
        Lifecycle.isCollectable(recorded.state), let jobId = recorded.jobId,
        holders[entry.pair].map({ entry.output < $0.output }) ?? true
      else { continue }
      holders[entry.pair] = (entry.output, jobId)
    }
    // The outputs of those pairs, where one may hold the pair's result unrecorded (`liveResult`).
    var pairOutputs: [SwapPair: [String]] = [:]
    for entry in manifest.entries where stalePairs.contains(entry.pair) {
      pairOutputs[entry.pair, default: []].append(entry.output)
    }
    let givenUp = GivenUpJobs(manifest: manifest, lock: lock)
    let digests = DigestHolders(manifest: manifest, files: files)
    for entry in manifest.entries {
      var report = report(entry, lock: lock, files: files, runInProgress: runInProgress)
      // A new output, or one whose inputs changed: what `plan` does with it (another output's
      // job, an orphan's result, the orphan's wait for --resubmit, or a purchase), and whether a
      // job of its old inputs is given up on the way (`GivenUpJobs`).
      let isNew = report.status == .missing && report.detail == nil && lock.entries[entry.output] == nil
      let stale = report.status == .stale
      guard isNew || stale else {
        reports.append(report)
        continue
      }
      let changed = stale ? "manifest inputs changed; the new inputs" : "its inputs"
      var dropped = ""
      if stale, let recorded = lock.entries[entry.output],
        let jobId = givenUp.replacing(recorded, for: entry.pair)
      {
        dropped =
          "; job \(jobId), bought for the old inputs and still running, is given up: its result will not be "
          + "collected (put the old inputs back before the next sync to keep it)"
      }
      if let holder = holders[entry.pair] {
        report.detail =
          "\(changed) are those of \(holder.output), whose job \(holder.jobId) it takes (no new job)\(dropped)"
      } else if let orphan = reusable[entry.pair] {
        let source = orphan.jobId.map { "its result from that one's job \($0)" } ?? "that one's adopted file"
        report.detail =
          "\(changed) are those of \(orphan.output), no longer in the manifest: sync takes \(source) instead of "
          + "buying it again\(dropped)"
      } else if let mate = decisions[entry.pair]
        ?? Self.adoptedAndGone(
          among: pairOutputs[entry.pair] ?? [], pair: entry.pair, lock: lock, files: files)
      {
        // The pair needs the user's decision: so does this output (exit 1, not "try later").
        report.status = EntryStatus(rawValue: mate.state.rawValue) ?? .uncertain
        report.detail =
          "\(changed) are those of \(mate.output), which is \(mate.state.rawValue); it is bought with that one, by "
          + "`swapsync sync --resubmit \(mate.state.rawValue)`"
      } else if let kept = Self.keptResult(for: entry.pair, outputs: [entry.output], files: files),
        let jobId = kept.known?.jobId
      {
        report.detail =
          "\(changed) are those of the result of job \(jobId), kept as \(kept.path): sync puts it "
          + "back instead of buying it again\(dropped)"
      } else if let result = Self.resultInPlace(sources.staleResults[entry.pair] ?? [], files: files),
        let jobId = result.known?.jobId
      {
        report.detail =
          "\(changed) are those \(result.path) had, whose result (job \(jobId)) sync copies here instead of buying "
          + "it again\(dropped)"
      } else if let live = liveResult(
        for: entry, pairOutputs[entry.pair] ?? [], lock: lock, files: files, holders: digests),
        let jobId = live.known?.jobId
      {
        report.detail =
          "\(changed) are those of the result of job \(jobId), which swapsync installed at \(live.path) and is "
          + "still there: sync copies it instead of buying it again\(dropped)"
      } else if let source = sources.staleResults[entry.pair]?.first, let jobId = source.entry.jobId {
        report.detail =
          "\(changed) are those \(source.output) had, whose job \(jobId) sync fetches again (its file there "
          + "changed) instead of buying it again\(dropped)"
      } else if let known = Self.knownJob(for: entry.pair, files: files), let jobId = known.jobId {
        report.detail =
          "\(changed) are those of job \(jobId), bought in this folder before (.swapsync/results.jsonl), whose "
          + "result is no longer here: sync takes it from the cache if one holds it, else fetches that job again, "
          + "instead of buying it again\(dropped)"
      } else if stale {
        report.detail = "manifest inputs changed; a new job is needed\(dropped)"
      } else if case .present = files.probe(entry.output), let known = files.known(entry.output, entry.pair) {
        // swapsync's result for other inputs (`untrackedSize`): archived when replaced.
        report.detail =
          "the file there, the result of job \(known.jobId) for other inputs, is kept in .swapsync/replaced/ "
          + "when this output's result replaces it"
      }
      reports.append(report)
    }
    let uncollected = Self.uncollectedOrphanJobs(lock: lock, wanted: wanted)
    let waiting = Self.pairsWaiting(manifest: manifest, lock: lock)
    for (output, recorded) in lock.entries where !wanted.contains(output) {
      let detail =
        if let heir = waiting[recorded.pair], !Self.holds(lock.entries[heir], orphan: recorded) {
          "no longer in the manifest; \(heir) has its inputs and takes its result (or its need for "
            + "`--resubmit`) from this entry, so `swapsync prune` keeps it until then"
        } else if recorded.jobId.map(uncollected.contains) == true {
          "no longer in the manifest; its job is paid and its result not collected yet: put the output back "
            + "in the manifest to collect it (`swapsync prune` keeps it)"
        } else if recorded.adopted == true {
          "no longer in the manifest; `swapsync prune` forgets its entry and leaves the file (swapsync did not "
            + "write it)"
        } else {
          switch files.check(output, recorded) {
          case .matches: "no longer in the manifest; `swapsync prune` deletes its file"
          case .missing: "no longer in the manifest; its file is gone: `swapsync prune` forgets it"
          case .misrecorded: "no longer in the manifest; `swapsync prune` deletes its file"
          case .differs, .blocked:
            "no longer in the manifest; what is at its path is not what swapsync wrote, so `swapsync prune` "
              + "keeps it (delete it yourself if unwanted)"
          }
        }
      reports.append(EntryReport(output: output, status: .orphan, jobId: recorded.jobId, detail: detail))
    }
    return reports.sorted { $0.output.utf8.lexicographicallyPrecedes($1.output.utf8) }
  }

  /// `Planner.liveResult` for `entry`'s pair: among its other outputs (`outputs`) that hold a
  /// file this lockfile does not account for, then wherever the ledger or `holders` say.
  private func liveResult(
    for entry: ManifestEntry, _ outputs: [String], lock: Lockfile, files: FileView, holders: DigestHolders
  ) -> KeptResult? {
    let untracked = outputs.filter {
      $0 != entry.output && untrackedSize($0, pair: entry.pair, lock: lock, files: files) != nil
    }
    return Self.liveResult(for: entry.pair, among: untracked, files: files, holders: holders)
  }

  private func report(_ entry: ManifestEntry, lock: Lockfile, files: FileView, runInProgress: Bool)
    -> EntryReport
  {
    let recorded = lock.entries[entry.output]
    let isDoneForPair = recorded.map { $0.pair == entry.pair && $0.state == .done } ?? false
    if !isDoneForPair, let size = untrackedSize(entry.output, pair: entry.pair, lock: lock, files: files) {
      // A job already bought for this output waits for the path to be cleared: nothing to buy.
      let paid =
        recorded.map { $0.pair == entry.pair && $0.jobId != nil && Lifecycle.isCollectable($0.state) }
        ?? false
      let lost = recorded.map { $0.pair == entry.pair && $0.state == .lost } ?? false
      let moveAway =
        paid
        ? "move it away to collect the result (already paid)"
        : lost
          ? "move it away; then `swapsync sync --resubmit lost` buys the image again (or a cache holding it "
            + "puts it back)"
          : "move it away to get this output's image (`swapsync plan` then shows whether that buys it)"
      if case .blocked(let what) = files.probe(entry.output) {
        return EntryReport(
          output: entry.output, status: .untracked, jobId: recorded?.jobId,
          detail: "\(what); swapsync never writes through it: \(moveAway)")
      }
      if let known = files.known(entry.output, entry.pair) {
        // swapsync's own result, recorded in a lockfile other than this one (another branch's).
        // One for other inputs is untracked only where this output's record is an adopted file
        // (`untrackedSize`): the user's to move.
        return EntryReport(
          output: entry.output, status: .untracked, jobId: recorded?.jobId,
          detail: known.pair == entry.pair
            ? "the result of job \(known.jobId) for these inputs, installed here by swapsync but not in this "
              + "lockfile (another branch's?): `swapsync sync --adopt` records it with its job, buying nothing"
            : "the result of job \(known.jobId) for other inputs, where this lockfile records an adopted file: "
              + moveAway
        )
      }
      return EntryReport(
        output: entry.output, status: .untracked, jobId: recorded?.jobId,
        detail:
          "a file that is not one swapsync wrote is at this path (\(size) bytes); it is never replaced: "
          + "`swapsync sync --adopt` records it as the output if it is a JPEG, PNG, WebP or GIF image; or \(moveAway)"
      )
    }
    guard let recorded else {
      var report = EntryReport(output: entry.output, status: .missing, jobId: nil, detail: nil)
      if case .otherSpelling(let name, let folder) = files.probe(entry.output) {
        report.detail =
          "\(FileProbe.describe(otherSpelling: name, folder: folder)) exists; rename it to the manifest's spelling, or it stays beside the new output"
      }
      return report
    }
    if recorded.pair != entry.pair {
      // The whole detail is said by `report(manifest:...)`, which knows the other outputs.
      return EntryReport(output: entry.output, status: .stale, jobId: recorded.jobId, detail: nil)
    }
    var report = EntryReport(
      output: entry.output, status: EntryStatus(rawValue: recorded.state.rawValue) ?? .uncertain,
      jobId: recorded.jobId, detail: recorded.message)
    if recorded.state == .submitting && !runInProgress {
      report.status = .uncertain
      report.detail = "a run stopped after sending the submit; its answer was never recorded"
    }
    // The bytes of a lost job's result, as `sync` knows them (`lostRecord`).
    let lost = recorded.state == .lost ? Self.lostRecord(recorded, pair: entry.pair, files: files) : nil
    if let lost, let kept = Self.keptResult(of: lost, outputs: [entry.output], files: files) {
      report.detail =
        "\(recorded.message ?? "the job's result can no longer be downloaded"); its result is kept as "
        + "\(kept.path): sync puts it back, buying nothing"
    } else if let lost, Self.resultInPlace([(entry.output, lost)], files: files) != nil {
      report.detail =
        "\(recorded.message ?? "the job's result can no longer be downloaded"); its recorded result is at this "
        + "path again: sync records it done, buying nothing"
    }
    guard recorded.state == .done else { return report }
    let adopted = recorded.adopted == true
    let repair =
      adopted
      ? "it was adopted, so there is no job to download it from: put the file back, restore it from a "
        + "cache that holds it (`swapsync sync --cache ...`), or buy it again with `swapsync sync --resubmit lost`"
      : Self.keptResult(of: recorded, outputs: [entry.output], files: files).map {
        "it will be put back from \($0.path), where an earlier repair kept it"
      } ?? Self.downloadAgain
    let check = files.check(entry.output, recorded)
    switch check {
    case .matches: break
    case .missing:
      report.status = adopted ? .lost : .modified
      var detail = "output file is missing; \(repair)"
      if case .otherSpelling(let name, let folder) = files.probe(entry.output) {
        detail +=
          "; \(FileProbe.describe(otherSpelling: name, folder: folder)) is there: rename it to the manifest's spelling, or it stays beside the output put back"
      }
      report.detail = detail
    case .differs(let why) where adopted:
      report.status = .untracked
      report.detail = "\(why); an adopted file is yours: `swapsync sync --adopt` records it as it is now"
    case .differs(let why):
      report.status = .modified
      report.detail = "\(why); \(repair), the file there now kept in .swapsync/replaced/ first"
    case .misrecorded(let problem):
      report.status = adopted ? .untracked : .modified
      let fix =
        adopted ? "`swapsync sync --adopt` records it as it is now" : "\(repair) and recorded as it is"
      report.detail = "\(problem); \(fix)"
    case .blocked(let why):
      // What `verify` says, and what `sync` will do about it: refuse, not download again. A link
      // or folder there is something swapsync did not write at the output's path: `untracked`,
      // which needs the user (exit 1), as `plan` and `sync` say.
      report.status = adopted ? .lost : .untracked
      report.detail = "\(why); \(EntryReport.inTheWayNote)"
    }
    return report
  }
}
