/// The paid jobs a run gives up: an output's record holds a job still `running`, the record is
/// replaced (by a submit for the output's new inputs, by another job for them, or by an adopted
/// file), and no other manifest output's own record holds that job to collect it. Its result is
/// then never downloaded, so `plan`, `status` and `sync` name it (docs/states.md, "Changing the
/// inputs of a running entry"). A job a twin output still holds is collected there: not given up.
/// (Another output that merely wants the same inputs does not collect it: only orphans are
/// sources, docs/lockfile.md.)
public struct GivenUpJobs: Sendable {
  /// How many manifest outputs hold each running job in their own record, for their own inputs
  /// (only running jobs can be given up: a report of 100,000 done entries counts nothing here).
  private let holders: [String: Int]

  public init(manifest: Manifest, lock: Lockfile) {
    var holders: [String: Int] = [:]
    if lock.entries.values.contains(where: { $0.state == .running }) {
      for entry in manifest.entries {
        guard let recorded = lock.entries[entry.output], recorded.state == .running,
          recorded.pair == entry.pair,
          let jobId = recorded.jobId
        else { continue }
        holders[jobId, default: 0] += 1
      }
    }
    self.holders = holders
  }

  /// The job given up when a plan for `pair` replaces `entry` (`Lifecycle.jobGivenUp`), unless
  /// another manifest output holds it.
  public func replacing(_ entry: LockEntry?, for pair: SwapPair) -> String? {
    guard let entry, let jobId = Lifecycle.jobGivenUp(at: entry, for: pair), holders[jobId] == nil else {
      return nil
    }
    return jobId
  }

  /// The job `--adopt` gives up at an output whose record `entry` runs
  /// (`Lifecycle.jobGivenUpByAdopting`), unless another manifest output holds it too.
  public func adopting(_ entry: LockEntry?) -> String? {
    guard let entry, let jobId = Lifecycle.jobGivenUpByAdopting(entry), (holders[jobId] ?? 0) < 2 else {
      return nil
    }
    return jobId
  }

  /// The jobs `plans` give up, by output: for the outputs each submit, poll or restore rewrites,
  /// and, with `adopt`, for the untracked files `--adopt` records.
  public func byOutput(_ plans: some Sequence<JobPlan>, lock: Lockfile, adopt: Bool) -> [String: String] {
    var jobs: [String: String] = [:]
    for plan in plans {
      if adopt {
        for output in plan.untracked {
          if let jobId = adopting(lock.entries[output]) { jobs[output] = jobId }
        }
      }
      switch plan.action {
      case .submit, .poll, .restore: break
      case .blocked, .none: continue
      }
      for output in plan.pending {
        if let jobId = replacing(lock.entries[output], for: plan.pair) { jobs[output] = jobId }
      }
    }
    return jobs
  }
}
