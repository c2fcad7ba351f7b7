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

  public static func load(_ workspace: Workspace, resubmit: Set<EntryState> = []) throws(SwapSyncFailure)
    -> Inspection
  {
    let pid = workspace.runInProgress()
    let (lock, _) = try workspace.loadState()
    let checker = ReadOnlyFileChecker(root: workspace.outputRoot)
    let planner = Planner(resubmit: resubmit)
    return Inspection(
      workspace: workspace, lock: lock, runnerPID: pid,
      entries: planner.report(
        manifest: workspace.manifest, lock: lock, check: checker.check, runInProgress: pid != nil),
      plans: planner.plan(manifest: workspace.manifest, lock: lock, check: checker.check))
  }

  /// Exit status for `status`: 0 in sync, 1 attention needed, 75 work pending.
  public var statusExit: ExitStatus {
    if entries.contains(where: { $0.status.needsAttention }) { return .attention }
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
      case .restore(_, let copyFrom):
        if copyFrom == nil {
          summary.fetches += 1
          summary.downloads += 1
        } else {
          summary.copies += plan.pending.count
        }
        summary.repairs += plan.pending.count
      case .blocked: summary.blocked += plan.pending.count
      case .none: break
      }
    }
    summary.orphans = entries.filter { $0.status == .orphan }.count
    return summary
  }

  /// Exit status for `plan`: 2 changes pending, else 1 attention needed, else 0.
  public var planExit: ExitStatus {
    let summary = self.summary
    if summary.submits + summary.polls + summary.repairs > 0 { return .changesPending }
    return entries.contains(where: { $0.status.needsAttention }) ? .attention : .inSync
  }
}

/// Counts of what `sync` would do.
public struct PlanSummary: Sendable, Codable, Equatable {
  /// New jobs to buy: each one spends quota.
  public var submits = 0
  /// Running jobs to poll.
  public var polls = 0
  /// Done jobs to fetch again for a fresh result URL.
  public var fetches = 0
  public var downloads = 0
  /// Outputs to copy from a verified sibling with the same job.
  public var copies = 0
  /// Outputs of done entries whose file is missing or modified.
  public var repairs = 0
  /// Outputs waiting for `--resubmit`.
  public var blocked = 0
  public var orphans = 0
}

/// Compares outputs with the lockfile by hashing, without creating anything.
struct ReadOnlyFileChecker: Sendable {
  let folder: OutputFolder?

  init(root: String) {
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: root + "/.swapsync/tmp", isDirectory: &isDirectory)
    folder = exists ? try? OutputFolder(root: root) : nil
  }

  func check(_ output: String, _ entry: LockEntry) -> FileCheck {
    guard let folder else { return .missing }
    let digest: FileDigest?
    do {
      digest = try folder.hash(relativePath: output)
    } catch {
      return .differs("cannot read the output: \(error)")
    }
    guard let digest else { return .missing }
    return digest.sha256 == entry.sha256 && digest.size == entry.size
      ? .matches : .differs("output bytes differ from the lockfile")
  }
}
