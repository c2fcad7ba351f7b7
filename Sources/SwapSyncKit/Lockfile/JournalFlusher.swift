import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Group commit for the journal: appenders write their line at once (so lines keep the order of
/// the calls) and wait; one dedicated thread runs `fdatasync` and, when it returns, wakes every
/// appender whose line it covered. One sync makes durable every line written while the previous
/// one ran, so 64 jobs recording at once cost a handful of syncs, not 64, and no task of the
/// Swift concurrency pool ever blocks in `fdatasync`.
///
/// Every field is guarded by `condition`; the file descriptor is shared by appenders (writes,
/// under the lock) and the flusher thread (syncs, outside it: a write may run during a sync, and
/// the sync then covers at least everything written before it started).
final class JournalFlusher: @unchecked Sendable {
  typealias Waiter = (end: Int, continuation: CheckedContinuation<Result<Void, FileSystemError>, Never>)

  let path: String
  private let condition = NSCondition()
  private var fd: Int32
  /// Bytes of whole lines written, durable or not.
  private var written: Int
  /// Bytes known to be on stable storage.
  private var durable: Int
  /// Set when the file's durable state is unknown (a failed sync or an uncut partial write);
  /// every later append fails with it, because the next line could land after garbage.
  private var broken: FileSystemError?
  private var waiters: [Waiter] = []
  private var closed = false

  /// Takes over `fd` (opened for appending, `length` bytes of whole lines, all durable) and
  /// starts the flusher thread.
  init(fd: Int32, length: Int, path: String) {
    self.fd = fd
    self.path = path
    self.written = length
    self.durable = length
    let thread = Thread { [self] in run() }
    thread.name = "swapsync journal flusher"
    thread.start()
  }

  /// Writes `line` (one whole record with its newline) and has `continuation` resumed once it is
  /// durable, or with the error that keeps it from being so (then nothing of it is left behind).
  func append(_ line: [UInt8], then continuation: CheckedContinuation<Result<Void, FileSystemError>, Never>) {
    condition.lock()
    defer { condition.unlock() }
    if let broken { return continuation.resume(returning: .failure(broken)) }
    guard fd >= 0, !closed else {
      return continuation.resume(returning: .failure(.io(operation: "write", path: path, errno: EBADF)))
    }
    do throws(FileSystemError) {
      try Posix.writeFully(fd, line, path: path)
    } catch {
      let fd = fd
      let length = written
      if Posix.retrying({ ftruncate(fd, off_t(length)) }) != 0 { broken = error }
      return continuation.resume(returning: .failure(error))
    }
    written += line.count
    waiters.append((written, continuation))
    condition.signal()
  }

  /// Whether no record is in the file (none replayed, none appended since `reset`).
  var isEmpty: Bool {
    condition.lock()
    defer { condition.unlock() }
    return written == 0
  }

  /// Empties the file durably. Only when no append is waiting (the caller holds the run's
  /// state and has finished recording).
  func reset() throws(FileSystemError) {
    condition.lock()
    defer { condition.unlock() }
    let fd = fd
    guard fd >= 0 else { throw .io(operation: "truncate", path: path, errno: EBADF) }
    // A line still waiting would be cut off although its appender is told it is durable.
    guard waiters.isEmpty else { throw .io(operation: "truncate", path: path, errno: EBUSY) }
    if Posix.retrying({ ftruncate(fd, 0) }) != 0 {
      throw .io(operation: "truncate", path: path, errno: errno)
    }
    try Posix.syncFile(fd, path: path)
    written = 0
    durable = 0
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
    for waiter in waiters { waiter.continuation.resume(returning: .failure(failure)) }
    waiters = []
    condition.signal()
  }

  /// The flusher thread: sync whenever a line waits, wake the appenders it covered.
  private func run() {
    condition.lock()
    defer { condition.unlock() }
    while true {
      while waiters.isEmpty && !closed { condition.wait() }
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
        // (`reset` never runs while a line waits, but `durable` must never pass `written`.)
        durable = min(max(durable, target), written)
        let covered = waiters.prefix { $0.end <= target }
        waiters.removeFirst(covered.count)
        for waiter in covered { waiter.continuation.resume(returning: .success(())) }
      case .failure(let error):
        // No caller acts on an unsynced line, so a later replay must not see one either: cut
        // back to what is known durable (best effort). After a failed sync the kernel may
        // report dropped pages as clean, so nothing more is accepted until `reset()`.
        let length = durable
        if Posix.retrying({ ftruncate(fd, off_t(length)) }) == 0 { _ = Posix.retrying { fsync(fd) } }
        written = durable
        broken = error
        for waiter in waiters { waiter.continuation.resume(returning: .failure(error)) }
        waiters = []
      }
    }
  }
}
