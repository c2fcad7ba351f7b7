/// Compares the manifest, the lockfile and the output files, and decides what to do.
public struct Planner: Sendable {
  public var resubmit: Set<EntryState>
  /// For `plan` while a `sync` holds the run lock: a `submitting` record is a submit that run
  /// has on the wire (`.blocked(.submitting)`), not one whose answer a killed run lost.
  public var runInProgress = false

  public init(resubmit: Set<EntryState>) {
    self.resubmit = resubmit
  }

  /// One plan per distinct pair, in output order.
  public func plan(manifest: Manifest, lock: Lockfile, files: FileView) -> [JobPlan] {
    var groups: [SwapPair: [ManifestEntry]] = [:]
    var order: [SwapPair] = []
    for entry in manifest.entries {
      if groups[entry.pair] == nil { order.append(entry.pair) }
      groups[entry.pair, default: []].append(entry)
    }
    let sources = Self.sources(lock: lock, manifest: groups)
    let holders = DigestHolders(manifest: manifest, files: files)
    return order.map { pair in
      let entries = groups[pair] ?? []
      return planGroup(
        pair: pair, entries: entries, orphans: sources.orphans[pair] ?? [],
        staleResults: sources.staleResults[pair] ?? [], lock: lock, files: files, holders: holders)
    }
  }

  private func planGroup(
    pair: SwapPair, entries: [ManifestEntry], orphans: [(output: String, entry: LockEntry)],
    staleResults: [(output: String, entry: LockEntry)], lock: Lockfile, files: FileView,
    holders: DigestHolders
  ) -> JobPlan {
    let outputs = entries.map(\.output)
    var plan = JobPlan(
      pair: pair, hookUrl: entries.first?.hookUrl, outputs: outputs, pending: [], action: .none, current: nil)
    // Lock entries made from this very pair (anything else is stale), the manifest's own first.
    let named =
      outputs.compactMap { output in lock.entries[output].map { (output, $0) } }.filter { $0.1.pair == pair }
      + orphans
    let matching = named.map(\.entry)
    let (done, disputed) = Self.reference(named, files: files)
    var verified: String?
    var adoptedMissing: [String] = []
    for output in outputs {
      switch classify(output, pair: pair, lock: lock, files: files, reference: done) {
      case .verified: verified = verified ?? output
      case .kept: break
      case .pending: plan.pending.append(output)
      case .untracked: plan.untracked.append(output)
      case .adoptedMissing: adoptedMissing.append(output)
      case .inTheWay(let what): plan.inTheWay.append((output, what))
      }
    }
    plan.current = done
    if disputed, !plan.pending.isEmpty {
      // Nothing tells which record is the job's: none is taken, so no wrong bytes are installed
      // from the cache and no good record is rewritten (docs/states.md).
      plan.action = .blocked(.modified)
      plan.conflict = Self.conflict(named)
      return plan
    }
    if plan.pending.isEmpty, let first = adoptedMissing.first.flatMap({ lock.entries[$0] }) {
      // An adopted file that went missing has no job to be fetched from, and a sibling's bytes
      // are not the file the user adopted. It stood for an image someone already had, so buying
      // it again is the user's call, as for `lost`; a cache holding its bytes restores it
      // (JobRunner.run, docs/lockfile.md). One set of bytes per plan: the first output's.
      plan.pending = adoptedMissing.filter { lock.entries[$0]?.sha256 == first.sha256 }
      plan.current = first
      plan.action = .blocked(.lost)
      return plan
    }
    // A running job whose result stands at an output (a later run installed it, then an older
    // lockfile was checked out): recorded from there with its job, nothing fetched.
    if let running = matching.first(where: { $0.state == .running }), let jobId = running.jobId,
      let (holding, result) = Self.runningJobResult(jobId, pair: pair, among: plan.untracked, files: files)
    {
      plan.untracked.removeAll { holding.contains($0) }
      plan.pending.append(contentsOf: holding)
      plan.restore(from: result)
      return plan
    }
    guard !plan.pending.isEmpty else { return plan }
    // An orphan's intact file is as good a copy source as a sibling's.
    let orphanCopy = done.flatMap { done in
      orphans.first { orphan in
        orphan.entry.state == .done && orphan.entry.sha256 == done.sha256
          && files.check(orphan.output, orphan.entry) == .matches
      }
    }
    // Or an output whose file holds the result though its own record says otherwise (edited by
    // hand, `reference`): only its record is rewritten, and its file is copied to the others.
    let holder =
      (verified ?? orphanCopy?.output) == nil
      ? done.flatMap { done in
        plan.pending.first { output in
          guard done.jobId != nil, let own = lock.entries[output], own.pair == pair, own.state == .done else {
            return false
          }
          return files.check(output, done) == .matches
        }
      } : nil
    if let done, let conflict = Self.foreignJob(done, pair: pair, files: files) {
      plan.action = .blocked(.modified)
      plan.conflict = conflict
      return plan
    }
    if let done, verified != nil || orphanCopy != nil || done.jobId != nil {
      let copyFrom = verified ?? orphanCopy?.output ?? holder
      plan.action = .restore(jobId: done.jobId ?? "", copyFrom: copyFrom)
      // The result an earlier repair kept (a branch switched back), or the same bytes at another
      // output (one a killed run had not replaced yet), spares the download.
      if copyFrom == nil, done.jobId != nil,
        let kept = Self.keptResult(of: done, outputs: plan.pending, files: files)
          ?? Self.heldResult(of: done, excluding: plan.outputs, holders: holders, lock: lock, files: files)
      {
        plan.restore(from: kept)
      }
      return plan
    }
    // A job an output followed to its end (failed, lost) is not followed again from an orphan's
    // `running` record of it, which that end left behind.
    let ended = Set(matching.filter { $0.state == .failed || $0.state == .lost }.compactMap(\.jobId))
    if let running = matching.first(where: {
      $0.state == .running && $0.jobId.map { !ended.contains($0) } == true
    }),
      let jobId = running.jobId
    {
      plan.current = running
      plan.action = .poll(jobId: jobId)
      // A job this folder collected before (an older lockfile checked out): not charged again.
      plan.paidBefore = files.knownResults(pair).contains { $0.known.jobId == jobId }
      return plan
    }
    if let done, done.adopted == true {
      // The adopted file is gone and has no job: bought only by `--resubmit lost` (an adopted
      // output of the manifest is pending here only then, `classify`; a renamed one's orphan
      // waits the same way), else restored from a cache that holds its bytes (JobRunner.run).
      plan.current = done
      plan.action = resubmit.contains(.lost) ? .submit(reason: .lost) : .blocked(.lost)
      return plan
    }
    let paidStates = matching.map(\.state).filter { [.failed, .uncertain, .lost, .submitting].contains($0) }
    if runInProgress, paidStates.contains(.submitting) {
      plan.current = matching.first { $0.state == .submitting }
      plan.action = .blocked(.submitting)
      return plan
    }
    if let worst = paidStates.min(by: { attentionRank($0) < attentionRank($1) }) {
      let state = worst == .submitting ? EntryState.uncertain : worst
      let status = EntryStatus(rawValue: state.rawValue) ?? .uncertain
      plan.current = matching.first { $0.state == worst }
      if worst == .lost { plan.current = plan.current.map { Self.lostRecord($0, pair: pair, files: files) } }
      // A lost result whose bytes an earlier install kept comes back from there, or from an
      // output where they are again (put back by the user, a checkout), bought again by no one
      // (`--resubmit lost` or not).
      if worst == .lost, let lost = plan.current,
        let kept = Self.keptResult(of: lost, outputs: plan.pending, files: files)
          ?? Self.resultInPlace(plan.outputs.map { ($0, lost) }, files: files),
        kept.record != nil
      {
        plan.restore(from: kept)
        return plan
      }
      let resubmitting = paidStates.allSatisfy { resubmit.contains($0 == .submitting ? .uncertain : $0) }
      // Bought again only where no result of the pair is at hand (another branch's, say).
      if resubmitting,
        let live = Self.liveResult(for: pair, among: plan.untracked, files: files, holders: holders),
        live.record != nil
      {
        plan.restore(from: live)
        return plan
      }
      plan.action = resubmitting ? .submit(reason: status) : .blocked(status)
      return plan
    }
    // Inputs changed back to a pair whose paid result an earlier install kept: put it back.
    if let kept = Self.keptResult(for: pair, outputs: plan.pending, files: files), kept.record != nil {
      plan.restore(from: kept)
      return plan
    }
    // Inputs another output of the manifest had: its result, intact, is copied, not bought.
    if let result = Self.resultInPlace(staleResults, files: files) {
      plan.restore(from: result)
      return plan
    }
    // Or a result of the pair this folder installed is still at an output (another branch's).
    if let live = Self.liveResult(for: pair, among: plan.untracked, files: files, holders: holders),
      live.record != nil
    {
      plan.restore(from: live)
      return plan
    }
    // Or another output's old result whose file changed or is gone: fetched again from its job,
    // whose record the output takes first (`inheritances`).
    if let source = staleResults.first, let jobId = source.entry.jobId {
      plan.current = source.entry
      plan.action = .restore(jobId: jobId, copyFrom: nil)
      return plan
    }
    // Or a job this folder bought for the pair before, whose result is no longer here: followed
    // again, not bought again (the output takes its record first, `inheritances`).
    if let known = Self.knownJob(for: pair, files: files), let jobId = known.jobId {
      plan.current = known
      plan.action = .poll(jobId: jobId)
      plan.paidBefore = true
      return plan
    }
    let stale = outputs.contains { lock.entries[$0] != nil }
    plan.action = .submit(reason: stale ? .stale : .missing)
    return plan
  }

  /// `verified`: the pair's result in place (a copy source). `kept`: an adopted file in place
  /// whose bytes differ from the pair's result; it is the user's and stays. `adoptedMissing`: an
  /// adopted output whose file is gone, not named by `--resubmit lost`.
  private enum OutputClass {
    case verified, kept, pending, untracked, adoptedMissing
    /// A link, folder or special file where a recorded output goes (`FileCheck.blocked`).
    case inTheWay(String)
  }

  /// Whether an output's file is the verified result, needs (re)writing, or is a file swapsync
  /// did not write, which is never replaced silently (docs/states.md, `untracked`).
  private func classify(
    _ output: String, pair: SwapPair, lock: Lockfile, files: FileView, reference: LockEntry?
  ) -> OutputClass {
    if let recorded = lock.entries[output], recorded.pair == pair, recorded.state == .done {
      switch files.check(output, recorded) {
      // An adopted file is recorded as it is: never rewritten, whatever its siblings hold.
      case .matches:
        if recorded.sha256 == reference?.sha256 { return .verified }
        return recorded.adopted == true ? .kept : .pending
      case .missing where recorded.adopted == true, .blocked where recorded.adopted == true:
        return resubmit.contains(.lost) ? .pending : .adoptedMissing
      case .missing: return .pending
      // Something in the way (a link, a folder) is no file of the entry's, and swapsync never
      // writes through it: nothing is downloaded for it, and `sync` says where (exit 73).
      case .blocked(let what): return .inTheWay(what)
      // A changed file of ours is repaired from its job; a changed adopted file is the user's.
      case .differs, .misrecorded: return recorded.adopted == true ? .untracked : .pending
      }
    }
    return untrackedSize(output, pair: pair, lock: lock, files: files) == nil ? .pending : .untracked
  }

  /// The size of a file swapsync did not write at `output`, or nil when there is none: no file,
  /// or the unchanged file of the entry recorded there before the manifest changed (stale).
  func untrackedSize(_ output: String, pair: SwapPair, lock: Lockfile, files: FileView) -> Int? {
    let size: Int
    switch files.probe(output) {
    case .present(let bytes): size = bytes
    // Never ours, never written through: untracked (nothing is bought that could not be put there).
    case .blocked: return 0
    case .absent, .otherSpelling: return nil
    }
    // Our own file: a stale entry's verified output (still named by the checksum its new job's
    // record carries, `Lifecycle`'s submitIntended), or a result renamed into place by a run that
    // stopped before recording it (`installIntended` wrote its checksum first).
    if let recorded = lock.entries[output], recorded.sha256 != nil, recorded.adopted != true,
      files.check(output, recorded) == .matches
    {
      return nil
    }
    // A result swapsync installed here for other inputs (`ResultLedger`: another branch's, or the
    // old result of an output whose new one a killed run was installing) is its own too: the
    // install that replaces it archives it in `.swapsync/replaced/` (docs/safety.md).
    if let known = files.known(output, pair), known.pair != pair, lock.entries[output]?.adopted != true {
      return nil
    }
    return size
  }

  /// Uncertain first: it is the state where money may already be spent without a result.
  private func attentionRank(_ state: EntryState) -> Int {
    switch state {
    case .uncertain, .submitting: 0
    case .lost: 1
    default: 2
    }
  }
}
