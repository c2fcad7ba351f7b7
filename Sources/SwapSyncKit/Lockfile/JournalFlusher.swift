import CPosix
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where one appended journal line ends: durable once a flush has passed it. Marks from before a
/// `reset` (which follows a flush of everything) are durable by definition.
public struct JournalMark: Sendable, Equatable {
  let generation: Int
  let end: Int
}

/// How a journal line stands to a purchase (a submit and the records it brings): it opens one,
/// promising room for `followers` more bytes, or it is one of its later records, or its last.
enum PurchaseStep: Equatable {
  case opens(key: String, followers: Int)
  case continues(key: String)
  case ends(key: String)
}

/// Group commit for the journal: appenders write their line at once (so lines keep the order of
/// the calls); one dedicated thread runs `fdatasync` whenever a written line is not yet durable,
/// then runs the lines' notifications in order and wakes whoever waits for them. One sync makes
/// durable every line written while the previous one ran, so 64 jobs recording at once cost a
/// handful of syncs, not 64, and no task of the Swift concurrency pool ever blocks in
/// `fdatasync`. A line's writer chooses whether to wait: before a side effect (a submit, an
/// install, a deletion) it waits; for a fact nothing is about to act on (a job id just received,
/// a result installed) it goes on at once, and the flusher makes the line durable anyway.
///
/// Every field is guarded by `condition`; the file descriptor is shared by appenders (writes,
/// under the lock) and the flusher thread (syncs, outside it: a write may run during a sync, and
/// the sync then covers at least everything written before it started).
final class JournalFlusher: @unchecked Sendable {
  typealias Continuation = CheckedContinuation<Result<Void, FileSystemError>, Never>

  /// Who waits for a mark: a task, or a thread blocked on its own semaphore (so that a sync
  /// wakes exactly the threads it covered, not every thread waiting on a shared condition).
  private enum Waiter {
    case task(Continuation)
    case thread(BlockedThread)

    func resume(_ outcome: Result<Void, FileSystemError>) {
      switch self {
      case .task(let continuation): continuation.resume(returning: outcome)
      case .thread(let blocked):
        blocked.outcome = outcome
        blocked.semaphore.signal()
      }
    }
  }

  /// A thread in `waitBlocking`; `outcome` is set before `semaphore` is signalled, read after.
  private final class BlockedThread: @unchecked Sendable {
    let semaphore = DispatchSemaphore(value: 0)
    var outcome: Result<Void, FileSystemError> = .success(())
  }

  let path: String
  private let condition = NSCondition()
  private var fd: Int32
  /// Bumped by `reset`, which starts the file over; see `JournalMark`.
  private var generation = 0
  /// Bytes of whole lines written, durable or not.
  private var written: Int
  /// Bytes known to be on stable storage.
  private var durable: Int
  /// The end of the space allocated for the file (`fallocate`, size kept), at least `written`:
  /// lines written below it cannot fail for lack of space.
  private var reserved: Int
  /// Set once the file system refused `fallocate` as unsupported; reservations are then skipped.
  private var reservationUnsupported = false
  /// Bytes promised to each purchase in flight (by its first output) for the records it has yet
  /// to add, and their sum: the room kept allocated past `written` (`PurchaseStep`).
  private var promises: [String: Int] = [:]
  private var owed = 0
  /// Set when the file's durable state is unknown (a failed sync or an uncut partial write);
  /// every later append fails with it, because the next line could land after garbage.
  private var broken: FileSystemError?
  /// Tasks and threads waiting for a mark (not in the order of the marks: they wait in any order).
  private var waiters: [(end: Int, waiter: Waiter)] = []
  /// What to run once a line is durable, in the order of the lines.
  private var notifications: [(end: Int, notify: @Sendable () -> Void)] = []
  private var closed = false

  /// Takes over `fd` (opened for appending, `length` bytes of whole lines, all durable) and
  /// starts the flusher thread.
  init(fd: Int32, length: Int, path: String) {
    self.fd = fd
    self.path = path
    self.written = length
    self.durable = length
    self.reserved = length
    let thread = Thread { [self] in run() }
    thread.name = "swapsync journal flusher"
    thread.start()
  }

  /// Writes `line` (one whole record with its newline) and returns its mark; the flusher makes
  /// it durable soon after and then calls `notify` (on its own thread, in line order). Throws
  /// when the line could not be written; then nothing of it is left behind.
  ///
  /// `step` keeps room for purchases: while any is in flight, every line is written only once
  /// the file has room allocated for it and for all the records still promised, so a line of
  /// another kind can fail for lack of space but never take a purchase's room.
  func write(
    _ line: [UInt8], step: PurchaseStep? = nil, notify: (@Sendable () -> Void)? = nil
  ) throws(FileSystemError) -> JournalMark {
    condition.lock()
    defer { condition.unlock() }
    if let broken { throw broken }
    guard fd >= 0, !closed else { throw .io(operation: "write", path: path, errno: EBADF) }
    // The promise of this line's purchase once it is written, if it belongs to one.
    var promise: (key: String, after: Int?)?
    switch step {
    case .opens(let key, let followers)?: promise = (key, followers)
    case .continues(let key)?: if let left = promises[key] { promise = (key, max(0, left - line.count)) }
    case .ends(let key)?: if promises[key] != nil { promise = (key, nil) }
    case nil: break
    }
    let owedAfter = owed + (promise.map { ($0.after ?? 0) - (promises[$0.key] ?? 0) } ?? 0)
    if owedAfter > 0 || owed > 0 { try reserve(upTo: written + line.count + owedAfter) }
    do throws(FileSystemError) {
      try Posix.writeFully(fd, line, path: path)
    } catch {
      let fd = fd
      let length = written
      if Posix.retrying({ ftruncate(fd, off_t(length)) }) != 0 { broken = error }
      reserved = written  // a truncation frees the blocks allocated past the end too
      throw error
    }
    written += line.count
    if let promise { promises[promise.key] = promise.after }
    owed = owedAfter
    if let notify { notifications.append((written, notify)) }
    condition.signal()  // only the flusher thread waits on `condition`
    return JournalMark(generation: generation, end: written)
  }

  /// Allocates the file's blocks up to `end` (at least 16 KiB at a time, fewer when that is
  /// all the room left). Called with the lock held.
  private func reserve(upTo end: Int) throws(FileSystemError) {
    guard end > reserved, !reservationUnsupported else { return }
    for target in [max(end, reserved + Self.reservationStep), end] {
      if swapsync_fallocate_keep_size(fd, Int64(reserved), Int64(target - reserved)) == 0 {
        reserved = target
        return
      }
      if errno == EOPNOTSUPP || errno == ENOSYS {
        reservationUnsupported = true  // best effort where the file system cannot do it
        return
      }
      if errno != ENOSPC { break }
    }
    throw .io(operation: "reserve room in", path: path, errno: errno)
  }

  static let reservationStep = 16 << 10

  /// The mark of everything written so far.
  var lastMark: JournalMark {
    condition.lock()
    defer { condition.unlock() }
    return JournalMark(generation: generation, end: written)
  }

  /// Resumes `continuation` once `mark` is durable (at once if it is), or with the error that
  /// keeps it from being so.
  func wait(for mark: JournalMark, then continuation: Continuation) {
    condition.lock()
    defer { condition.unlock() }
    if let outcome = outcome(of: mark) { return continuation.resume(returning: outcome) }
    waiters.append((mark.end, .task(continuation)))
  }

  /// Blocks the calling thread until `mark` is durable. For threads that may block (the
  /// blocking-I/O queue), never for a task of the cooperative pool.
  func waitBlocking(for mark: JournalMark) throws(FileSystemError) {
    condition.lock()
    if let outcome = outcome(of: mark) {
      condition.unlock()
      return try outcome.get()
    }
    let blocked = BlockedThread()
    waiters.append((mark.end, .thread(blocked)))
    condition.unlock()
    blocked.semaphore.wait()
    try blocked.outcome.get()
  }

  /// Whether no record is in the file (none replayed, none appended since `reset`).
  var isEmpty: Bool {
    condition.lock()
    defer { condition.unlock() }
    return written == 0
  }

  /// Empties the file durably. Only once every written line is durable (the caller waited for
  /// `lastMark`) and no one waits.
  func reset() throws(FileSystemError) {
    condition.lock()
    defer { condition.unlock() }
    let fd = fd
    guard fd >= 0 else { throw .io(operation: "truncate", path: path, errno: EBADF) }
    // A line not yet durable would be cut off, and its notification lost.
    guard written == durable, waiters.isEmpty else {
      throw .io(operation: "truncate", path: path, errno: EBUSY)
    }
    if Posix.retrying({ ftruncate(fd, 0) }) != 0 {
      throw .io(operation: "truncate", path: path, errno: errno)
    }
    try Posix.syncFile(fd, path: path)
    generation += 1
    written = 0
    durable = 0
    reserved = 0
    promises = [:]  // a reset follows the run's last record: no purchase is in flight
    owed = 0
    broken = nil
  }

  /// Closes the file and stops the thread; waiting appenders get an error.
  func close() {
    condition.lock()
    defer { condition.unlock() }
    closed = true
    if fd >= 0 { Posix.closeQuietly(fd) }
    fd = -1
    let failure = FileSystemError.io(operation: "sync", path: path, errno: EBADF)
    for item in waiters { item.waiter.resume(.failure(failure)) }
    waiters = []
    notifications = []
    condition.signal()
  }

  /// Nil while `mark` may still become durable; called with the lock held.
  private func outcome(of mark: JournalMark) -> Result<Void, FileSystemError>? {
    if mark.generation < generation || mark.end <= durable { return .success(()) }
    if let broken { return .failure(broken) }
    if closed || fd < 0 { return .failure(.io(operation: "sync", path: path, errno: EBADF)) }
    return nil
  }

  /// The flusher thread: sync whenever a written line is not durable, then notify and wake.
  private func run() {
    condition.lock()
    defer { condition.unlock() }
    while true {
      while written == durable && !closed { condition.wait() }
      if closed { return }
      let target = written
      let fd = fd
      let path = path
      condition.unlock()
      let outcome = Result { () throws(FileSystemError) in try Posix.syncData(fd, path: path) }
      condition.lock()
      guard self.fd == fd else { continue }  // closed meanwhile: `close` failed the waiters
      switch outcome {
      case .success:
        // (`reset` never runs while a line is not durable, but `durable` must never pass `written`.)
        durable = min(max(durable, target), written)
        let covered = notifications.prefix { $0.end <= durable }
        notifications.removeFirst(covered.count)
        if !covered.isEmpty {
          // Outside the lock: an observer may take its own; one flusher thread keeps the order.
          condition.unlock()
          for item in covered { item.notify() }
          condition.lock()
        }
        let reached = durable
        let woken = waiters.filter { $0.end <= reached }
        waiters.removeAll { $0.end <= reached }
        for item in woken { item.waiter.resume(.success(())) }
      case .failure(let error):
        // No caller acts on an unsynced line, so a later replay must not see one either: cut
        // back to what is known durable (best effort). After a failed sync the kernel may
        // report dropped pages as clean, so nothing more is accepted until `reset()`.
        let length = durable
        if Posix.retrying({ ftruncate(fd, off_t(length)) }) == 0 { _ = Posix.retrying { fsync(fd) } }
        written = durable
        reserved = durable
        broken = error
        for item in waiters { item.waiter.resume(.failure(error)) }
        waiters = []
        notifications = []
      }
    }
  }
}
