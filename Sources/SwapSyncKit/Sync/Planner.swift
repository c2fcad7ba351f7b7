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
  public var action: Action
  /// The lock entry of the job being continued (poll/restore), for its timestamps.
  public var current: LockEntry?
}

/// Whether an output file on disk matches its lock entry.
public enum FileCheck: Sendable, Equatable {
  case matches
  case missing
  case differs(String)
}

/// Compares the manifest, the lockfile and the output files, and decides what to do.
public struct Planner: Sendable {
  public var resubmit: Set<EntryState>

  public init(resubmit: Set<EntryState>) {
    self.resubmit = resubmit
  }

  /// One plan per distinct pair, in output order.
  public func plan(
    manifest: Manifest, lock: Lockfile, check: (String, LockEntry) -> FileCheck
  ) -> [JobPlan] {
    var groups: [SwapPair: [ManifestEntry]] = [:]
    var order: [SwapPair] = []
    for entry in manifest.entries {
      if groups[entry.pair] == nil { order.append(entry.pair) }
      groups[entry.pair, default: []].append(entry)
    }
    return order.map { pair in
      let entries = groups[pair] ?? []
      return planGroup(pair: pair, entries: entries, lock: lock, check: check)
    }
  }

  private func planGroup(
    pair: SwapPair, entries: [ManifestEntry], lock: Lockfile, check: (String, LockEntry) -> FileCheck
  ) -> JobPlan {
    let outputs = entries.map(\.output)
    var plan = JobPlan(
      pair: pair, hookUrl: entries.first?.hookUrl, outputs: outputs, pending: [], action: .none, current: nil)
    // Lock entries made from this very pair (anything else is stale).
    let matching = outputs.compactMap { output in lock.entries[output].map { (output, $0) } }
      .filter { $0.1.pair == pair }

    if let (_, done) = matching.first(where: { $0.1.state == .done && $0.1.jobId != nil }),
      let jobId = done.jobId
    {
      var verified: String?
      for output in outputs {
        if let entry = lock.entries[output], entry.pair == pair, entry.state == .done,
          entry.sha256 == done.sha256, check(output, entry) == .matches
        {
          verified = verified ?? output
        } else {
          plan.pending.append(output)
        }
      }
      plan.current = done
      plan.action = plan.pending.isEmpty ? .none : .restore(jobId: jobId, copyFrom: verified)
      return plan
    }
    plan.pending = outputs
    if let (_, running) = matching.first(where: { $0.1.state == .running && $0.1.jobId != nil }),
      let jobId = running.jobId
    {
      plan.current = running
      plan.action = .poll(jobId: jobId)
      return plan
    }
    let paidStates = matching.map(\.1.state).filter {
      [.failed, .uncertain, .lost, .submitting].contains($0)
    }
    if let worst = paidStates.min(by: { attentionRank($0) < attentionRank($1) }) {
      let state = worst == .submitting ? EntryState.uncertain : worst
      let status = EntryStatus(rawValue: state.rawValue) ?? .uncertain
      plan.action =
        paidStates.allSatisfy { resubmit.contains($0 == .submitting ? .uncertain : $0) }
        ? .submit(reason: status) : .blocked(status)
      return plan
    }
    let stale = outputs.contains { lock.entries[$0] != nil }
    plan.action = .submit(reason: stale ? .stale : .missing)
    return plan
  }

  /// Uncertain first: it is the state where money may already be spent without a result.
  private func attentionRank(_ state: EntryState) -> Int {
    switch state {
    case .uncertain, .submitting: 0
    case .lost: 1
    default: 2
    }
  }

  /// Per-output view for `status` and the run summary.
  public func report(
    manifest: Manifest, lock: Lockfile, check: (String, LockEntry) -> FileCheck, runInProgress: Bool
  ) -> [EntryReport] {
    var reports: [EntryReport] = []
    let wanted = Set(manifest.entries.map(\.output))
    for entry in manifest.entries {
      guard let recorded = lock.entries[entry.output] else {
        reports.append(EntryReport(output: entry.output, status: .missing, jobId: nil, detail: nil))
        continue
      }
      if recorded.pair != entry.pair {
        reports.append(
          EntryReport(
            output: entry.output, status: .stale, jobId: recorded.jobId,
            detail: "manifest inputs changed; a new job is needed"))
        continue
      }
      var report = EntryReport(
        output: entry.output, status: EntryStatus(rawValue: recorded.state.rawValue) ?? .uncertain,
        jobId: recorded.jobId, detail: recorded.message)
      if recorded.state == .submitting && !runInProgress {
        report.status = .uncertain
        report.detail = "a run stopped after sending the submit; its answer was never recorded"
      }
      if recorded.state == .done {
        switch check(entry.output, recorded) {
        case .matches: break
        case .missing:
          report.status = .modified
          report.detail = "output file is missing; it will be downloaded again from the recorded job"
        case .differs(let why):
          report.status = .modified
          report.detail = "\(why); it will be downloaded again from the recorded job"
        }
      }
      reports.append(report)
    }
    for (output, recorded) in lock.entries where !wanted.contains(output) {
      reports.append(
        EntryReport(
          output: output, status: .orphan, jobId: recorded.jobId,
          detail: "no longer in the manifest; `swapsync prune` deletes its file"))
    }
    return reports.sorted { $0.output.utf8.lexicographicallyPrecedes($1.output.utf8) }
  }
}
