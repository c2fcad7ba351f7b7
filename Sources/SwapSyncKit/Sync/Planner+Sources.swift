/// Where a plan takes a job, a result or a decision from besides its own outputs' records:
/// orphans, other outputs' old results, and the records a run hands over before any job runs
/// (docs/lockfile.md, "Orphans").
extension Planner {
  /// The records of the manifest's pairs that the plans take a job or a result from, by pair,
  /// in output order (docs/lockfile.md, "Orphans").
  struct Sources {
    /// Lockfile entries the manifest no longer names. A pair is one job, whatever its outputs
    /// are called: a renamed output reuses the orphan's job (its file when intact, else its
    /// result fetched again, or the job followed while it runs) or its adopted file instead of
    /// buying it again, and an orphan that is failed, uncertain or lost (an adopted one whose
    /// file is gone, too) still needs `--resubmit`.
    var orphans: [SwapPair: [(output: String, entry: LockEntry)]] = [:]
    /// The finished results of outputs the manifest now names with other inputs
    /// (`resultInPlace`).
    var staleResults: [SwapPair: [(output: String, entry: LockEntry)]] = [:]
  }

  /// The `Sources` of the manifest's pairs (`groups`), in one pass over the lockfile.
  static func sources(lock: Lockfile, manifest groups: [SwapPair: [ManifestEntry]]) -> Sources {
    var found = Sources()
    var manifestOutputs: Set<String> = []
    for (output, entry) in lock.entries {
      // A pair names one or two outputs as a rule: a look at them first, not a set of every output.
      guard let named = groups[entry.pair], !named.contains(where: { $0.output == output }) else { continue }
      if manifestOutputs.isEmpty { manifestOutputs = Set(groups.values.joined().map(\.output)) }
      if manifestOutputs.contains(output) {
        // The record of an output the manifest names with other inputs is that output's (stale):
        // its job is not taken (a running one is given up as that output is rewritten), but its
        // finished result is copied before it is replaced (archived, it is read from there).
        if entry.state == .done, entry.jobId != nil, entry.sha256 != nil, entry.size != nil,
          entry.adopted != true
        {
          found.staleResults[entry.pair, default: []].append((output, entry))
        }
        continue
      }
      found.orphans[entry.pair, default: []].append((output, entry))
    }
    found.orphans = found.orphans.mapValues { $0.sorted { $0.output < $1.output } }
    found.staleResults = found.staleResults.mapValues { $0.sorted { $0.output < $1.output } }
    return found
  }

  /// The records a run gives, before any job runs, to outputs that take another record's job: a
  /// pending output with no record of its pair takes the orphan's record its plan takes its job,
  /// its file or its need for `--resubmit` from, or the running job of a sibling (an output of
  /// the manifest with the same inputs). The output then holds it itself, so it survives the
  /// orphan's name coming back with other inputs, the sibling's inputs changing before the job
  /// is collected, or a kill (docs/lockfile.md, "Orphans"; docs/states.md).
  static func inheritances(_ plans: [JobPlan], lock: Lockfile) -> [String: LockEntry?] {
    var updates: [String: LockEntry?] = [:]
    for plan in plans {
      switch plan.action {
      case .restore, .poll, .blocked:
        // A sibling's record is shared only while its job runs without a result yet: a finished
        // one is copied from in this run, and a decision (failed, uncertain, lost) stays its own.
        // A kept result is recorded only as it is put back (JobRunner.restoreFromKept).
        guard let source = plan.current, plan.kept == nil else { continue }
        let sibling = plan.outputs.contains { lock.entries[$0] == source }
        if sibling, source.state != .running || source.sha256 != nil { continue }
        for output in plan.pending where lock.entries[output]?.pair != plan.pair {
          var inherited = source
          // The file at this path is swapsync's own (a stale output) until the result replaces
          // it: its checksum stays, as `Lifecycle`'s submitIntended keeps it for a new job.
          if let old = lock.entries[output], old.state == .done, old.adopted != true, source.sha256 == nil {
            inherited.sha256 = old.sha256
            inherited.size = old.size
          }
          updates[output] = inherited
        }
      case .submit, .none:
        continue
      }
    }
    return updates
  }

  /// The record a pending output of `pair` takes when no result of the pair is anywhere in the
  /// folder, but the results ledger knows a job this folder bought for it (its newest): that job,
  /// `running` again, so that the run fetches it and downloads its result instead of buying the
  /// pair again (docs/states.md, `missing`). Its result was installed here once, so the job
  /// succeeded; a service that no longer knows it makes the output `lost` (paid for once:
  /// bought again only under `--resubmit lost`).
  static func knownJob(for pair: SwapPair, files: FileView) -> LockEntry? {
    guard let known = files.knownResults(pair).first?.known else { return nil }
    return LockEntry(
      targetImage: pair.targetImage, swapImage: pair.swapImage, state: .running, jobId: known.jobId,
      quota: known.quota, submittedAt: known.submittedAt)
  }

  /// A `lost` record as a plan uses it: with the checksum of its job's result, when that is
  /// known. A record that ended while its job ran, before any result was installed (it has no
  /// `imageType`), holds the checksum of the stale file its job was to replace (`Lifecycle`'s
  /// submitIntended), not its job's: that file is never taken for the result. And a job whose
  /// result this folder installed before (`knownJob`) is known by the results ledger: its
  /// SHA-256 and size let a cache or a copy at hand put it back, bought by no one
  /// (docs/cache.md, "Restore order").
  static func lostRecord(_ lost: LockEntry, pair: SwapPair, files: FileView) -> LockEntry {
    var record = lost
    if record.imageType == nil { (record.sha256, record.size) = (nil, nil) }
    if record.sha256 == nil, let jobId = record.jobId,
      let known = files.knownResults(pair).first(where: { $0.known.jobId == jobId }),
      let size = known.known.size
    {
      (record.sha256, record.size) = (known.sha256, size)
    }
    return record
  }

  /// The `done` record of the pair that its outputs are compared with and restored to: one with
  /// a job first. Records of one job that disagree on its result (one edited by hand, a bad
  /// merge) are not all right: one whose bytes are at one of the pair's outputs wins, so that
  /// the others are repaired from it instead of the good record being judged by a wrong one.
  /// `disputed`: they disagree and no output holds the bytes of any of them.
  static func reference(_ named: [(output: String, entry: LockEntry)], files: FileView) -> (
    entry: LockEntry?, disputed: Bool
  ) {
    let withJob = named.filter { $0.entry.state == .done && $0.entry.jobId != nil }
    guard let first = withJob.first else { return (named.first { $0.entry.state == .done }?.entry, false) }
    // Records that differ only in size or type (one edited) name the same bytes: the one an output
    // matches is the reference, and without one, any of them (the job's result corrects the
    // rest, `JobRunner.recordCorrection`). Different checksums with no output to settle them are
    // disputed.
    guard withJob.contains(where: { $0.entry.recordedDigest != first.entry.recordedDigest }) else {
      return (first.entry, false)
    }
    let found = withJob.first { candidate in
      named.contains { files.check($0.output, candidate.entry) == .matches }
    }
    let disputed = found == nil && withJob.contains { $0.entry.sha256 != first.entry.sha256 }
    return (found?.entry ?? first.entry, disputed)
  }

  /// What `sync` and `plan` say of a pair whose records disagree with nothing to settle it.
  static func conflict(_ named: [(output: String, entry: LockEntry)]) -> String {
    let records = named.filter { $0.entry.state == .done && $0.entry.jobId != nil }.map {
      "\($0.output): sha256 \($0.entry.sha256?.prefix(12) ?? "none")…"
    }
    return
      "the lockfile's records of job \(named.first { $0.entry.jobId != nil }?.entry.jobId ?? "?") disagree on "
      + "its result (\(records.joined(separator: ", "))) and no output holds either; nothing is restored for "
      + "them: restore the lockfile from version control, or remove the wrong record"
  }

  /// What is wrong with `record` (for `pair`) when the results ledger noted its job and checksum
  /// for other inputs: a job is bought for one pair, so the record was edited or merged wrongly
  /// (its job id and result are another output's). Nothing is restored for it; nil otherwise.
  static func foreignJob(_ record: LockEntry, pair: SwapPair, files: FileView) -> String? {
    guard let jobId = record.jobId, let sha256 = record.sha256, let bought = files.jobInputs(jobId, sha256),
      bought != pair
    else { return nil }
    return
      "the lockfile records job \(jobId) and its result (sha256 \(sha256.prefix(12))…) for these inputs, but "
      + "this folder bought that job for target \(bought.targetImage) and face \(bought.swapImage) "
      + "(.swapsync/results.jsonl): the record was edited or merged wrongly; restore the lockfile from version control"
  }

  /// The first of `outputs` whose record is an adopted file of `pair` that is gone: the pair is
  /// `lost` (`plan` blocks its new outputs with it).
  static func adoptedAndGone(among outputs: [String], pair: SwapPair, lock: Lockfile, files: FileView)
    -> (output: String, state: EntryState)?
  {
    for output in outputs {
      guard let recorded = lock.entries[output], recorded.pair == pair, recorded.state == .done,
        recorded.adopted == true, files.check(output, recorded) != .matches
      else { continue }
      return (output, .lost)
    }
    return nil
  }
}
