/// The run's view of the lockfile. Every change goes to the journal (fsynced) before it is
/// visible here, so nothing is acted on before it is durable; `checkpoint` folds the journal
/// into an atomically replaced lockfile.
actor StateStore {
  private(set) var lock: Lockfile
  private let lockPath: String
  private let journal: Journal
  /// The lockfile bytes as they are on disk, to leave the file untouched when nothing changed.
  private var onDisk: [UInt8]?

  init(lock: Lockfile, lockPath: String, journal: Journal, onDisk: [UInt8]?) {
    self.lock = lock
    self.lockPath = lockPath
    self.journal = journal
    self.onDisk = onDisk
  }

  func entry(_ output: String) -> LockEntry? { lock.entries[output] }

  /// Journals `updates` (nil removes an entry) and applies them once durable.
  func record(_ updates: [String: LockEntry?]) throws(FileSystemError) {
    guard !updates.isEmpty else { return }
    try journal.append(updates)
    for (output, entry) in updates { lock.entries[output] = entry }
  }

  /// Writes the lockfile if its bytes changed, then empties the journal.
  func checkpoint() throws(FileSystemError) {
    let bytes = try LockfileCodec.encode(lock)
    if bytes != onDisk {
      try AtomicFile.write(bytes, to: lockPath)
      onDisk = bytes
    }
    try journal.reset()
  }
}
