/// The paid jobs a run gives up: an output's record holds a job still `running` that no manifest
/// output wants any more, and the record is replaced (by a submit for the output's new inputs,
/// by another output's job for them, or by an adopted file). Its result is then never
/// downloaded, so `plan`, `status` and `sync` name it (docs/states.md, "Changing the inputs of a
/// running entry"). A job another manifest output still wants is collected there: not given up.
public struct GivenUpJobs: Sendable {
  /// How many manifest outputs want each pair that a `running` record of `lock` holds (only
  /// those can be given up: a first sync of 100,000 entries builds nothing here).
  private let wanted: [SwapPair: Int]

  public init(manifest: Manifest, lock: Lockfile) {
    var wanted: [SwapPair: Int] = [:]
    let running = Set(lock.entries.values.lazy.filter { $0.state == .running }.map(\.pair))
    if !running.isEmpty {
      for entry in manifest.entries where running.contains(entry.pair) { wanted[entry.pair, default: 0] += 1 }
    }
    self.wanted = wanted
  }

  /// The job given up when a plan for `pair` replaces `entry` (`Lifecycle.jobGivenUp`), unless
  /// a manifest output still wants the job's inputs.
  public func replacing(_ entry: LockEntry?, for pair: SwapPair) -> String? {
    guard let entry, let jobId = Lifecycle.jobGivenUp(at: entry, for: pair), wanted[entry.pair] == nil else {
      return nil
    }
    return jobId
  }

  /// The job `--adopt` gives up at an output whose record `entry` runs
  /// (`Lifecycle.jobGivenUpByAdopting`), unless another manifest output wants that pair.
  public func adopting(_ entry: LockEntry?) -> String? {
    guard let entry, let jobId = Lifecycle.jobGivenUpByAdopting(entry), (wanted[entry.pair] ?? 0) < 2 else {
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
