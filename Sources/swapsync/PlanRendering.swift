import SwapSyncKit

/// One step `plan` lists: what `sync` would do for some outputs, in the order it would pick
/// them (`--max-submits` and `--jobs` with `--no-wait` take the first submits of this order,
/// SyncEngine.submitBudget). `plan --json` prints these as they are; the text shows one line each.
struct PlanStep: Encodable, Equatable {
  /// `submit`, `held` (a submit held back for a later run), `poll`, `restore`, `blocked`,
  /// `adopt` or `untracked`.
  var action: String
  var outputs: [String]
  /// Why: for a submit, the state that buys it (`missing`, `stale`, or the one `--resubmit`
  /// named); for `blocked`, the state that waits for `--resubmit`.
  var reason: String?
  /// The job polled, restored from, or given up (a running job a submit or adoption replaces).
  var jobId: String?
  var jobGivenUp: String?
  /// For a restore: the output copied from, when a verified sibling holds the result.
  var copyFrom: String?
  /// A lost output whose bytes the lockfile records (`JobPlan.isLostWithKnownBytes`): a cache
  /// holding them brings it back. Shapes the text only; not in `plan --json`.
  var cacheCanRestore = false

  private enum CodingKeys: String, CodingKey {
    case action, outputs, reason, jobId, jobGivenUp, copyFrom
  }

  /// The steps of `plans`, with `summary`'s submit count (the rest are `held`).
  static func steps(
    _ plans: [JobPlan], summary: PlanSummary, adoptable: Set<String>?, givenUp: [String: String],
    notAdoptable: [String: String] = [:], maxImageSize: Int = SyncOptions.defaultMaxImageSize
  ) -> [PlanStep] {
    var steps: [PlanStep] = []
    var submits = 0
    for plan in plans {
      let dropped = Set(plan.pending.compactMap { givenUp[$0] }).sorted().first
      switch plan.action {
      case .submit(let reason):
        submits += 1
        steps.append(
          PlanStep(
            action: submits > summary.submits ? "held" : "submit", outputs: plan.pending,
            reason: reason.rawValue,
            jobGivenUp: dropped, cacheCanRestore: plan.isLostWithKnownBytes))
      case .restore(let jobId, let copyFrom) where plan.keptSize(over: maxImageSize) != nil:
        let size = plan.keptSize(over: maxImageSize) ?? 0
        steps.append(
          PlanStep(
            action: "blocked", outputs: plan.pending,
            reason: "the result of job \(jobId) at \(copyFrom ?? "hand") is larger than --max-image-size "
              + "(\(size) bytes, the limit \(maxImageSize)); sync leaves it",
            jobId: jobId))
      case .poll(let jobId):
        steps.append(PlanStep(action: "poll", outputs: plan.pending, jobId: jobId, jobGivenUp: dropped))
      case .restore(let jobId, let copyFrom):
        steps.append(
          PlanStep(
            action: "restore", outputs: plan.pending, jobId: jobId.isEmpty ? nil : jobId, jobGivenUp: dropped,
            copyFrom: copyFrom))
      case .blocked(let state):
        steps.append(
          PlanStep(
            action: "blocked", outputs: plan.pending, reason: plan.conflict ?? state.rawValue,
            cacheCanRestore: plan.isLostWithKnownBytes))
      case .none: break
      }
      for (output, what) in plan.inTheWay {
        steps.append(
          PlanStep(action: "blocked", outputs: [output], reason: "\(what); sync will not write through it"))
      }
      for output in plan.untracked {
        let adopted = adoptable?.contains(output) == true
        steps.append(
          PlanStep(
            action: adopted ? "adopt" : "untracked", outputs: [output],
            reason: adoptable != nil && !adopted
              ? notAdoptable[output] ?? "not a regular JPEG, PNG, WebP or GIF file" : nil,
            jobGivenUp: adopted ? givenUp[output] : nil))
      }
    }
    return steps
  }

  /// The step's line in `plan`'s text.
  func line(cache: CacheLocation?) -> String {
    let names = outputs.joined(separator: ", ")
    let givenUp = jobGivenUp.map { "; gives up running job \($0)" } ?? ""
    switch action {
    case "submit" where reason == EntryStatus.lost.rawValue && cache != nil && cacheCanRestore:
      // JobRunner.run: a lost result comes back from the cache when it holds the bytes.
      return
        "  submit   \(names) (lost; unless the cache \(cache.map { "\($0)" } ?? "") holds its result\(givenUp))"
    case "submit": return "  submit   \(names) (\(reason ?? "")\(givenUp))"
    case "held": return "  held     \(names) (\(reason ?? ""); held back for a later run\(givenUp))"
    case "poll": return "  poll     \(names) (job \(jobId ?? "")\(givenUp))"
    case "restore":
      let download = "download from job \(jobId ?? "")"
      let remote = cache.map { "from the cache \($0), else \(download)" } ?? download
      // One of the outputs holds the result already: it is recorded there and copied to the others.
      let copy = copyFrom.map { outputs.contains($0) ? "its result is already at \($0)" : "copy of \($0)" }
      return "  restore  \(names) (\(copy ?? remote)\(givenUp))"
    case "blocked" where reason == EntryStatus.lost.rawValue && cache != nil && cacheCanRestore:
      return
        "  blocked  \(names) (lost; restored if the cache \(cache.map { "\($0)" } ?? "") holds its result)"
    case "blocked" where reason == EntryStatus.submitting.rawValue:
      return "  blocked  \(names) (submitting: the sync in progress waits for the answer)"
    case "blocked": return "  blocked  \(names) (\(reason ?? ""))"
    case "adopt": return "  adopt     \(names)\(jobGivenUp.map { " (gives up running job \($0))" } ?? "")"
    default: return "  untracked \(names)\(reason.map { " (\($0): not adopted)" } ?? "")"
    }
  }
}
