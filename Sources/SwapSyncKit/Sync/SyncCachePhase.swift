/// The cache's part in a `sync` run (docs/cache.md): whether there is anything to push, and the
/// push phase after the jobs. A failed push is a warning: it never changes an entry or the
/// exit status, and the output stays pending for the next run.
enum SyncCachePhase {
  /// Whether a run with nothing else to do must still start, to push outputs the cache lacks.
  static func pushesPending(
    _ configuration: CacheConfiguration?, lock: Lockfile, manifest: Manifest, stateDir: String
  ) -> Bool {
    guard let configuration else { return false }
    let outputs = Set(manifest.entries.map(\.output))
    return !CacheLedger.pending(lock, outputs: outputs, identity: configuration.identity, stateDir: stateDir)
      .isEmpty
  }

  /// Pushes every verified output not yet known to be in the cache, under the `--downloads`
  /// limit, unless the run is stopping; records the counts and warnings in the tally.
  static func finish(
    _ cache: CacheRun?, lock: Lockfile, manifest: Manifest, folder: OutputFolder, control: RunControl,
    parallel: Int, tally: TallyKeeper
  ) async {
    guard let cache else { return }
    var warnings: [String] = []
    var pushed = 0
    if await !control.stopped {
      let pusher = CachePusher(
        cache: cache, folder: folder, parallel: parallel, shouldStop: { await control.stopped },
        progress: { _ in })
      let summary = await pusher.push(lock, outputs: Set(manifest.entries.map(\.output)), everything: false)
      pushed = summary.pushed + summary.replaced
      warnings = summary.warnings
      // An output whose file is gone or changed is reported by the run already; its object
      // is pushed once the output is back.
      let left = summary.failedObjects - summary.withoutLocalCopy + summary.notAttempted
      if left > 0 {
        let reason =
          summary.failed.first { $0.reason != PushOutcome.noLocalCopyReason }.map { ": \($0.reason)" } ?? ""
        warnings.append(
          "cache \(cache.name): \(Wording.count(left, "object")) not pushed\(reason); "
            + "the next run tries again (or run `swapsync push`)")
      }
    } else {
      do {
        try await cache.save()
      } catch {
        warnings.append("cache \(cache.name): could not record the objects found there: \(error)")
      }
    }
    let (count, messages) = (pushed, warnings)
    await tally.update {
      $0.pushedToCache += count
      $0.warnings += messages
    }
  }
}
