/// Deletes the files of lockfile orphans — outputs swapsync wrote whose entry left the
/// manifest — and forgets them. A file whose bytes no longer match the lockfile is kept:
/// swapsync did not write those bytes. An orphan whose paid job is still running is kept too. An
/// adopted orphan's file was never written by swapsync either: its record is forgotten and the
/// file stays where it is (`Outcome.adoptedLeft`).
public struct Pruner: Sendable {
  public var workspace: Workspace
  public var dryRun: Bool
  public var maxDelete: Int

  public init(workspace: Workspace, dryRun: Bool, maxDelete: Int) {
    self.workspace = workspace
    self.dryRun = dryRun
    self.maxDelete = maxDelete
  }

  /// What prune did or, with `dryRun`, would do.
  public struct Outcome: Sendable {
    public var deleted: [String] = []
    public var forgotten: [String] = []
    /// Adopted orphans whose record is forgotten and whose file stays: swapsync did not write it.
    public var adoptedLeft: [String] = []
    public var kept: [(output: String, reason: String)] = []
  }

  public func run() async throws(SwapSyncFailure) -> Outcome {
    // A broken lockfile or journal is exit 65 before anything is created (read again under the lock).
    try workspace.refuseForeignJournal(workspace.loadState(reusing: nil))
    let (folder, runLock) = try workspace.lockOutputFolder()
    defer { runLock.release() }
    let (lock, onDisk) = try workspace.loadState()
    let wanted = Set(workspace.manifest.entries.map(\.output))
    let orphans = lock.entries.filter { !wanted.contains($0.key) }.sorted { $0.key < $1.key }
    // A running orphan's job that a renamed output collected is no longer kept.
    let uncollected = Planner.uncollectedOrphanJobs(lock: lock, wanted: wanted)
    // Pairs the manifest wants under a name that has no result yet: an orphan of such a pair is
    // what that name gets its result (or the record that it was paid for) from.
    let waiting = Planner.pairsWaiting(manifest: workspace.manifest, lock: lock)
    var outcome = Outcome()
    var updates: [String: LockEntry?] = [:]
    for (output, entry) in orphans {
      // Once the heir holds the orphan's record (a decision waiting for `--resubmit`, a job it
      // follows), the orphan is where nothing comes from.
      let heirHolds = waiting[entry.pair].map { Planner.holds(lock.entries[$0], orphan: entry) } ?? false
      if let heir = waiting[entry.pair], !heirHolds {
        outcome.kept.append(
          (
            output,
            "\(heir) has the same inputs and no result yet; this entry is where it gets it from (or the "
              + "record that the image was paid for): run `swapsync sync` first (docs/lockfile.md, \"Orphans\")"
          ))
        continue
      }
      let digest: FileDigest?
      do {
        digest = try folder.hash(relativePath: output)
      } catch {
        outcome.kept.append((output, "\(error)"))
        continue
      }
      guard let digest else {
        // A paid job whose result was never collected is not a file: forgetting it would lose
        // the result, and putting the output back in the manifest would buy it again.
        if entry.state == .running, let jobId = entry.jobId, uncollected.contains(jobId), !heirHolds {
          outcome.kept.append(
            (
              output,
              "its job \(jobId) is paid and its result not collected yet; put the output back in the "
                + "manifest and run `swapsync sync` to collect it (docs/lockfile.md, \"Orphans\")"
            ))
          continue
        }
        outcome.forgotten.append(output)
        updates[output] = .some(nil)
        continue
      }
      if entry.adopted == true, entry.state == .done, digest.sha256 == entry.sha256 {
        outcome.adoptedLeft.append(output)
        updates[output] = .some(nil)
        continue
      }
      guard entry.state == .done, digest.sha256 == entry.sha256 else {
        outcome.kept.append(
          (output, "its bytes are not the ones swapsync recorded; delete it yourself if unwanted"))
        continue
      }
      outcome.deleted.append(output)
      updates[output] = .some(nil)
    }
    // A dry run lists everything, so that the list can be checked before raising the cap.
    if dryRun { return outcome }
    guard outcome.deleted.count <= maxDelete else {
      throw SwapSyncFailure(
        .attention,
        "prune would delete \(Wording.count(outcome.deleted.count, "file")), more than --max-delete \(maxDelete); "
          + "check with --dry-run, then pass --max-delete \(outcome.deleted.count)")
    }
    do {
      let store = StateStore(
        lock: lock, lockPath: workspace.lockPath, journal: try Journal(path: workspace.journalPath),
        onDisk: onDisk)
      // Delete, then forget: after a crash in between, the next prune finds the file gone and
      // forgets the entry, so no file swapsync wrote is ever left untracked.
      for output in outcome.deleted { _ = try folder.remove(relativePath: output) }
      try await store.record(updates)
      try await store.checkpoint()
    } catch {
      throw SwapSyncFailure(.cannotWrite, "\(error)")
    }
    return outcome
  }
}
