/// What an orphan still holds for the manifest: an output waiting for its result, or a paid job
/// nobody collected; what `status` reports and `prune` keeps (docs/lockfile.md, "Orphans").
extension Planner {
  /// Whether `heir`'s record is the one it inherited from `orphan` (`Planner.inheritances`): the
  /// same pair, state, job and submit time; or the end (failed, lost) of the `running` orphan's
  /// job, which the heir followed. The orphan then holds nothing its heir lacks.
  static func holds(_ heir: LockEntry?, orphan: LockEntry) -> Bool {
    guard let heir, heir.pair == orphan.pair, heir.jobId == orphan.jobId else { return false }
    if heir.state == orphan.state && heir.submittedAt == orphan.submittedAt { return true }
    return orphan.state == .running && orphan.jobId != nil && (heir.state == .failed || heir.state == .lost)
  }

  /// Pairs the manifest wants under an output that has no result of that pair yet, with that
  /// output: an orphan of such a pair is where the output gets its result from, or the record
  /// that the pair was paid for (`Pruner` keeps it).
  static func pairsWaiting(manifest: Manifest, lock: Lockfile) -> [SwapPair: String] {
    var waiting: [SwapPair: String] = [:]
    for entry in manifest.entries {
      let recorded = lock.entries[entry.output]
      if recorded?.pair != entry.pair || recorded?.state != .done { waiting[entry.pair] = entry.output }
    }
    return waiting
  }

  /// Job ids of running orphans that no entry holds the result of (what `Pruner` keeps).
  static func uncollectedOrphanJobs(lock: Lockfile, wanted: Set<String>) -> Set<String> {
    let running = lock.entries.filter { !wanted.contains($0.key) && $0.value.state == .running }
    guard !running.isEmpty else { return [] }
    let collected = Set(lock.entries.values.lazy.filter { $0.state == .done }.compactMap(\.jobId))
    return Set(running.values.compactMap(\.jobId)).subtracting(collected)
  }
}
