import Crypto

/// The run's view of the lockfile. Every change goes to the journal (fsynced by its flusher)
/// and is visible here at once; a caller acts on it (a submit, an install) only once it is
/// durable (`record` waits, or the caller waits for its mark). `checkpoint` folds the journal
/// into an atomically replaced lockfile.
actor StateStore {
  private(set) var lock: Lockfile
  private let lockPath: String
  private let journal: Journal
  /// The SHA-256 of the lockfile's bytes on disk (nil: no lockfile), to leave the file untouched
  /// when nothing changed; a digest, not the bytes: they are 47 MB at 100,000 entries.
  private var onDisk: SHA256.Digest?
  /// Whether `lock` may differ from `onDisk`: something was recorded, remembered, or given at
  /// init that the file does not hold (a replayed journal, a recovered submit).
  private var dirty: Bool
  /// Told of every change once it is durable (`--events`, the progress line).
  private let observer: (any SyncObserver)?
  /// Where installed results are noted (`ResultLedger`), for a run in an output folder.
  private let ledger: ResultLedger.Writer?

  init(
    lock: Lockfile, lockPath: String, journal: Journal, onDisk: [UInt8]?, dirty: Bool = true,
    observer: (any SyncObserver)? = nil, ledgerDir: String? = nil
  ) {
    self.ledger = ledgerDir.map { ResultLedger.Writer(stateDir: $0) }
    self.dirty = dirty
    self.lock = lock
    self.lockPath = lockPath
    self.journal = journal
    self.onDisk = onDisk.map { SHA256.hash(data: $0) }
    self.observer = observer
  }

  func entry(_ output: String) -> LockEntry? { lock.entries[output] }

  /// `Lockfile.output(recording:forOtherThan:besides:)` of the run's lockfile.
  func output(recording jobId: String, forOtherThan pair: SwapPair, besides: String) -> String? {
    lock.output(recording: jobId, forOtherThan: pair, besides: besides)
  }

  /// Journals `updates` (nil removes an entry) and applies them once durable; with `waiting:
  /// false` applies them and returns at once (wait for the returned mark before acting on them).
  /// `cause` names the lifecycle event (or `copied`) for the observer, which is told once the
  /// records are durable, from the journal's flusher thread, in journal order. A submit's intent
  /// reserves journal room for the records its purchase adds (`Journal.write`).
  ///
  /// The actor is free while the journal syncs, so records of other jobs join the same sync;
  /// each job waits for its own record, so the order of one job's records is kept.
  @discardableResult
  func record(
    _ updates: [String: LockEntry?], cause: String = "recorded", waiting: Bool = true,
    reservingFollowers: Bool = false
  ) async throws(FileSystemError) -> JournalMark? {
    guard !updates.isEmpty else { return nil }
    var notify: (@Sendable () -> Void)?
    if let observer {
      let changes = changes(updates, cause: cause)
      if !changes.isEmpty { notify = { for change in changes { observer.recorded(change) } } }
    }
    let mark = try journal.write(updates, reservingFollowers: reservingFollowers, notify: notify)
    dirty = true
    // A waited-for record that fails to become durable was cut from the journal again; the
    // lockfile written at the end must not hold it either (an intent to submit that never left
    // would read as `uncertain`). A record nobody waits for is a fact already true (a job id
    // received), kept even if its flush fails.
    if waiting, let mark { try await journal.waitUntilDurable(mark) }
    for (output, entry) in updates { lock.entries[output] = entry }
    if let ledger, Self.installsFile(cause) || cause == Lifecycle.EventKind.recognized.rawValue {
      // Where each result now is, sorted so that a result installed at several outputs is noted
      // at the first.
      ledger.note(
        updates.sorted { $0.key < $1.key }.compactMap { update in update.value.map { (update.key, $0) } })
    }
    return mark
  }

  /// Blocks until `mark` is durable; for the blocking-I/O threads, which may block.
  nonisolated func waitBlocking(_ mark: JournalMark) throws(FileSystemError) {
    try journal.waitBlocking(mark)
  }

  /// What the observer hears of `updates`: the changed records, in output order.
  private func changes(_ updates: [String: LockEntry?], cause: String) -> [EntryChange] {
    let time = EntryChange.now()
    var changes: [EntryChange] = []
    for (output, entry) in updates.sorted(by: { $0.key < $1.key }) {
      let before = lock.entries[output]
      // An unchanged record is news only when a file was put in place for it (a restore).
      guard before != entry || Self.installsFile(cause) else { continue }
      changes.append(
        EntryChange(
          time: time, output: output, from: before?.state, to: entry?.state, cause: cause,
          jobId: entry?.jobId,
          message: entry?.message, sha256: entry?.sha256, size: entry?.size, quota: entry?.quota))
    }
    return changes
  }

  /// Whether records with this cause mean a verified file was just put at their outputs. An
  /// unchanged `adopted` record is one too: adopting always creates a record, so an adopted
  /// record written again is an adopted output put back from the cache.
  static func installsFile(_ cause: String) -> Bool {
    cause == Lifecycle.EventKind.resultInstalled.rawValue || cause == "copied"
      || cause == Lifecycle.EventKind.adopted.rawValue
  }

  /// Applies `updates` in memory only, for a fact that must not be forgotten although the
  /// journal refused it (a job id received while the disk is full): the final checkpoint,
  /// which may be on another disk, still records it. The observer hears of it at once: the
  /// event stream may be the only other place that job id is written.
  func remember(_ updates: [String: LockEntry?], cause: String) {
    let changes = observer == nil ? [] : changes(updates, cause: cause)
    dirty = true
    for (output, entry) in updates { lock.entries[output] = entry }
    for change in changes { observer?.recorded(change) }
  }

  /// Waits for every journaled record to be durable (and told to the observer), writes the
  /// lockfile if its bytes changed, then empties the journal.
  func checkpoint() async throws(FileSystemError) {
    // A failed sync was reported to the record it failed (the run stops on it); the lockfile
    // written next holds every record either way.
    _ = try? await journal.flush()
    // Nothing recorded since the last checkpoint, and the file on disk is what was loaded: the
    // bytes cannot differ (a no-op run does not even encode them).
    guard dirty || !journal.isEmpty else { return }
    dirty = false
    // A run that recorded nothing leaves no lockfile behind where there was none.
    if onDisk != nil || !lock.entries.isEmpty {
      onDisk = try LockfileCodec.write(lock, to: lockPath, unlessDigest: onDisk)
    }
    try journal.reset()
  }
}
