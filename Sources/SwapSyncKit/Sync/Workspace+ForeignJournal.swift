extension Workspace {
  /// Outputs the journal holds paid (or possibly paid) records for, for inputs that neither the
  /// lockfile on disk nor the manifest has for them: a run stopped before writing its lockfile
  /// (`kill -9`, a power cut) with another manifest, typically on another git branch. Replayed
  /// here, their jobs would land in this lockfile as orphans or be given up as stale, and the
  /// manifest that wants them would buy them again (docs/lockfile.md, "Replay").
  func foreignJournalOutputs(_ loaded: LoadedState) -> [String] {
    guard !loaded.journalNewOutputs.isEmpty else { return [] }
    let wanted = Dictionary(
      manifest.entries.map { ($0.output, $0.pair) }, uniquingKeysWith: { first, _ in first })
    return loaded.journalNewOutputs.filter { output in
      guard let entry = loaded.lock.entries[output], wanted[output] != entry.pair else { return false }
      return entry.jobId != nil || entry.state == .submitting || entry.state == .uncertain
    }
  }

  /// Refuses (65) to replay a journal whose records belong to another manifest
  /// (`foreignJournalOutputs`); `sync` and `prune` call it before they create or change anything.
  func refuseForeignJournal(_ loaded: LoadedState) throws(SwapSyncFailure) {
    let foreign = foreignJournalOutputs(loaded)
    guard let first = foreign.first else { return }
    let names = foreign.count == 1 ? first : "\(first) and \(foreign.count - 1) more"
    throw SwapSyncFailure(
      .invalidInput,
      "\(journalPath) holds paid jobs of a run that stopped before writing its lockfile, for "
        + "\(Wording.count(foreign.count, "output")) this manifest does not name with those inputs (\(names)): "
        + "that run had another manifest (another git branch?). Replayed here, those jobs would be recorded in "
        + "the wrong lockfile or given up, and bought again by the manifest that wants them. Check out the "
        + "manifest that run had and run `swapsync sync --max-submits 0 --no-wait` (it buys nothing); if you "
        + "removed these outputs or changed their inputs on purpose, undo that for that run first. Nothing was changed"
    )
  }
}
