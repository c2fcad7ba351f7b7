import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The write-ahead journal: durable lockfile updates not yet folded into the lockfile.
///
/// JSON Lines; each line is one atomic batch `{"<output>": <LockEntry> | null, ...}` (null
/// removes the entry). Batches hold whole entry values, never deltas, so replaying a batch
/// twice is harmless. `append` returns only after the line is on stable storage: callers act
/// on a state change (send a submit, install or delete a file) only once its line is durable.
/// `write` returns at once, for facts nothing is about to act on; its line is synced just the
/// same, without a task waiting for it. Lines written while a sync runs share the next
/// `fdatasync` (group commit, `JournalFlusher`).
///
/// Only the process holding the run lock may create a `Journal`; read-only commands use
/// `replay(path:)`. Lines land in the order the appends were called.
public final class Journal: Sendable {
  /// The journal's path (`<output>/.swapsync/journal.jsonl`).
  public let path: String

  private let flusher: JournalFlusher

  /// Opens (creating it and its folder if needed) the journal for appending. A torn final line
  /// left by a crash is cut off so that new lines do not follow it.
  public init(path: String) throws(FileSystemError) {
    self.path = path
    let folder = Posix.directoryName(path)
    try Posix.makeDirectories(folder)
    var fd = Posix.open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, Posix.fileMode)
    if fd >= 0 {
      let folderFD = try Posix.openDirectory(folder)
      defer { Posix.closeQuietly(folderFD) }
      do throws(FileSystemError) {
        try Posix.syncFile(folderFD, path: folder)
      } catch {
        Posix.closeQuietly(fd)
        throw error
      }
    } else {
      guard errno == EEXIST else { throw .io(operation: "create", path: path, errno: errno) }
      fd = Posix.open(path, O_RDWR | O_APPEND | O_NOFOLLOW)
      if fd < 0 {
        throw errno == ELOOP ? .symlinkRefused(path: path) : .io(operation: "open", path: path, errno: errno)
      }
    }
    let length: Int
    do throws(FileSystemError) {
      length = try Self.cutTornTail(fd, path: path)
    } catch {
      Posix.closeQuietly(fd)
      throw error
    }
    self.flusher = JournalFlusher(fd: fd, length: length, path: path)
  }

  deinit {
    close()
  }

  /// Durably appends one batch as one line: one write(), then the wait for an fdatasync that
  /// covers it. An empty batch is a no-op. On failure nothing of the line remains, or the
  /// journal refuses further appends.
  public func append(_ updates: [String: LockEntry?]) async throws(FileSystemError) {
    guard let mark = try write(updates) else { return }
    try await waitUntilDurable(mark)
  }

  /// Appends one batch as one line without waiting for it to be durable: the flusher thread
  /// syncs it at once, then calls `notify`. For facts nothing is about to act on; before a side
  /// effect, wait for the returned mark. Nil for an empty batch. Throws when the line could not
  /// be written (nothing of it remains).
  ///
  /// With `reservingFollowers`, the line opens a purchase (a submit's intent): room is first
  /// allocated to the file for the records that purchase will add (its job id, the install's
  /// intent, its done record), so that a disk filling up meanwhile cannot keep a job id that
  /// was paid for out of the journal. Without that room the line is not written: nothing is
  /// bought. The room stays promised to the purchase (its records are found by their first
  /// output) until a record of it ends it: other lines are written only with room beside it.
  public func write(
    _ updates: [String: LockEntry?], reservingFollowers: Bool = false, notify: (@Sendable () -> Void)? = nil
  ) throws(FileSystemError) -> JournalMark? {
    guard let key = updates.keys.min() else { return nil }
    var line = CompactJSON.batch(updates)
    line.append(0x0A)
    let step: PurchaseStep
    if reservingFollowers {
      step = .opens(key: key, followers: Self.room(afterIntent: line.count, outputs: updates.count))
    } else if updates.values.allSatisfy({ $0?.state == .running || $0?.state == .submitting }) {
      step = .continues(key: key)
    } else {
      step = .ends(key: key)  // done, failed, lost, uncertain, withdrawn or removed
    }
    return try flusher.write(line, step: step, notify: notify)
  }

  /// Bytes a purchase's three later records (job id, install intent, done) may take after an
  /// intent line of `length` bytes for `outputs` outputs: each is that line plus, per output, a
  /// job id, a checksum, a size, a type, a time and a quota, about 200 bytes (measured: 19,066
  /// bytes for 20 outputs of one pair; 256 per output leaves a margin).
  static func room(afterIntent length: Int, outputs: Int) -> Int {
    3 * (length + 256 * outputs) + 1024
  }

  /// Returns once `mark` is durable (at once if it already is), or throws the error of the sync
  /// that should have covered it.
  public func waitUntilDurable(_ mark: JournalMark) async throws(FileSystemError) {
    let flusher = flusher
    let outcome = await withCheckedContinuation { flusher.wait(for: mark, then: $0) }
    try outcome.get()
  }

  /// `waitUntilDurable` for a thread that may block (the blocking-I/O queue's), not a task's.
  public func waitBlocking(_ mark: JournalMark) throws(FileSystemError) {
    try flusher.waitBlocking(for: mark)
  }

  /// Returns once every line written so far is durable and notified, or throws the error of
  /// the sync that failed.
  public func flush() async throws(FileSystemError) {
    try await waitUntilDurable(flusher.lastMark)
  }

  /// Whether the journal holds no record (nothing replayed, nothing appended since `reset`).
  public var isEmpty: Bool { flusher.isEmpty }

  /// Empties the journal durably. Call only after `flush()` and after a lockfile containing
  /// every replayed and appended batch has been written (its rename and folder fsync done).
  public func reset() throws(FileSystemError) {
    try flusher.reset()
  }

  /// Closes the journal; later appends fail.
  public func close() {
    flusher.close()
  }

  /// The batches recorded at `path`, oldest first; empty when the file does not exist.
  /// A torn final line (a crash during its write) is ignored; any other bad line is reported.
  public static func replay(path: String) throws(LockfileError) -> [[String: LockEntry?]] {
    guard let bytes = try LockfileCodec.readBytes(path: path, flags: O_NOFOLLOW) else { return [] }
    return try parse(bytes, path: path).batches
  }

  /// Applies batches in order: a value sets the entry, null removes it.
  /// Returns whether the lockfile changed: records that net to nothing (a submit's intent, then
  /// its withdrawal) leave it as it was.
  @discardableResult
  public static func apply(_ batches: [[String: LockEntry?]], to lock: inout Lockfile) -> Bool {
    var before: [String: LockEntry?] = [:]
    for batch in batches {
      for (output, entry) in batch {
        if before[output] == nil { before[output] = .some(lock.entries[output]) }
        lock.entries[output] = entry
      }
    }
    return before.contains { output, entry in lock.entries[output] != entry }
  }

  /// Decodes journal bytes. `validLength` is the length of the accepted records (a torn tail
  /// excluded).
  static func parse(_ bytes: [UInt8], path: String) throws(LockfileError) -> (
    batches: [[String: LockEntry?]], validLength: Int
  ) {
    var batches: [[String: LockEntry?]] = []
    var offset = 0
    var lineNumber = 0
    while offset < bytes.count {
      lineNumber += 1
      // No newline: the write of the last line was cut short. Nothing acted on it.
      guard let newline = bytes[offset...].firstIndex(of: 0x0A) else { break }
      let line = Array(bytes[offset..<newline])
      let root: JSONValue
      do {
        root = try JSONParser.parse(line)
      } catch {
        // A final line holding NUL bytes is a crash artifact of some file systems.
        if newline + 1 == bytes.count && line.contains(0) { break }
        let place = error.isDuplicateKey ? "column \(error.column)" : "invalid JSON at column \(error.column)"
        throw .corruptJournal(path: path, line: lineNumber, detail: "\(place): \(error.message)")
      }
      do {
        batches.append(try LockfileReader.batch(root))
      } catch {
        throw .corruptJournal(path: path, line: lineNumber, detail: describe(error, line: line))
      }
      offset = newline + 1
    }
    return (batches, offset)
  }

  /// A problem in one valid JSON line, for `corruptJournal`: the field, with the column of the
  /// unknown key or of the bad value's key.
  private static func describe(_ problem: LockReadProblem, line: [UInt8]) -> String {
    switch problem {
    case .field(let field, let detail):
      return "\(field): \(detail)"
    case .unknownKey(let keyPath, let field, let detail):
      guard let (_, column) = JSONParser.position(ofKey: keyPath, in: line) else {
        return "\(field): \(detail)"
      }
      return "column \(column): \(detail)"
    case .value(let keyPath, let field, let detail):
      guard let (_, column) = JSONParser.position(ofKey: keyPath, in: line) else {
        return "\(field): \(detail)"
      }
      return "column \(column): \(field): \(detail)"
    }
  }

  /// Reads the journal and cuts off a torn final line, returning the remaining length.
  private static func cutTornTail(_ fd: Int32, path: String) throws(FileSystemError) -> Int {
    if lseek(fd, 0, SEEK_SET) < 0 { throw .io(operation: "read", path: path, errno: errno) }
    let bytes = try Posix.readToEnd(fd, path: path)
    // Corruption before the end is left alone: replay reports it and the run stops.
    guard let valid = try? parse(bytes, path: path).validLength, valid < bytes.count else {
      return bytes.count
    }
    if Posix.retrying({ ftruncate(fd, off_t(valid)) }) != 0 {
      throw .io(operation: "truncate", path: path, errno: errno)
    }
    try Posix.syncFile(fd, path: path)
    return valid
  }
}
