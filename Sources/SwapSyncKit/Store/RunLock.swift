import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One run at a time per output folder: an exclusive `flock` on `<stateDir>/run.lock`.
///
/// The kernel drops the lock when the holding process dies, even on `kill -9`, so a stale lock
/// file never blocks a later run. Locks belong to an open file description: a second
/// `acquire` in the same process fails too. The file holds the holder's PID (for messages).
public final class RunLock: Sendable {
  static let fileName = "run.lock"
  /// A read-only command's probe holds a shared lock for microseconds; retrying this long
  /// keeps such a probe from making a starting run give up.
  static let contentionRetries = 10
  static let contentionDelay: useconds_t = 20_000

  /// Path of the lock file.
  public let path: String
  /// The locked descriptor; -1 once released.
  private let fd: Mutex<Int32>

  private init(fd: Int32, path: String) {
    self.fd = Mutex(fd)
    self.path = path
  }

  deinit {
    release()
  }

  /// Takes the lock for `stateDir` (`<output>/.swapsync`, created if missing) and records this
  /// process's PID in it. Throws `.heldBy` when another run holds it.
  public static func acquire(stateDir: String) throws(RunLockError) -> RunLock {
    let path = stateDir + "/" + fileName
    let fd: Int32
    do throws(FileSystemError) {
      try Posix.makeDirectories(stateDir)
      fd = Posix.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, Posix.fileMode)
      if fd < 0 {
        throw errno == ELOOP ? .symlinkRefused(path: path) : .io(operation: "open", path: path, errno: errno)
      }
    } catch {
      throw .fileSystem(error)
    }
    var attempt = 0
    while Posix.retrying({ flock(fd, LOCK_EX | LOCK_NB) }) != 0 {
      let code = errno
      guard code == EWOULDBLOCK || code == EAGAIN else {
        Posix.closeQuietly(fd)
        throw .fileSystem(.io(operation: "lock", path: path, errno: code))
      }
      attempt += 1
      if attempt > contentionRetries {
        let pid = readPID(fd)
        Posix.closeQuietly(fd)
        throw .heldBy(pid: pid, path: Posix.directoryName(Posix.absolutePath(stateDir)))
      }
      usleep(contentionDelay)
    }
    do throws(FileSystemError) {
      let text = Array("\(getpid())\n".utf8)
      if Posix.retrying({ ftruncate(fd, 0) }) != 0 {
        throw .io(operation: "truncate", path: path, errno: errno)
      }
      let written = text.withUnsafeBytes { buffer in
        Posix.retrying { pwrite(fd, buffer.baseAddress, buffer.count, 0) }
      }
      if written < 0 { throw .io(operation: "write", path: path, errno: errno) }
      if written != text.count { throw .io(operation: "write", path: path, errno: EIO) }
      try Posix.syncFile(fd, path: path)
    } catch {
      Posix.closeQuietly(fd)
      throw .fileSystem(error)
    }
    return RunLock(fd: fd, path: path)
  }

  /// The PID of the run holding the lock for `stateDir`, or nil when no run holds it.
  /// Creates nothing. Returns 0 when a run holds the lock but has not written its PID yet.
  public static func holder(stateDir: String) -> Int32? {
    let path = stateDir + "/" + fileName
    let fd = Posix.open(path, O_RDONLY | O_NOFOLLOW)
    if fd < 0 { return nil }
    defer { Posix.closeQuietly(fd) }
    if Posix.retrying({ flock(fd, LOCK_SH | LOCK_NB) }) == 0 {
      _ = flock(fd, LOCK_UN)  // Closing the descriptor releases it too.
      return nil
    }
    guard errno == EWOULDBLOCK || errno == EAGAIN else { return nil }
    for _ in 0..<contentionRetries {
      if let pid = readPID(fd) { return pid }
      usleep(contentionDelay)
    }
    return 0
  }

  /// Releases the lock (idempotent). The PID stays in the file; it only counts while locked.
  public func release() {
    fd.withLock { fd in
      guard fd >= 0 else { return }
      let held = fd
      _ = Posix.retrying { flock(held, LOCK_UN) }  // close() would release it regardless.
      Posix.closeQuietly(held)
      fd = -1
    }
  }

  private static func readPID(_ fd: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    let count = buffer.withUnsafeMutableBytes { raw in
      Posix.retrying { pread(fd, raw.baseAddress, raw.count, 0) }
    }
    guard count > 0 else { return nil }
    let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    guard let pid = Int32(text), pid > 0 else { return nil }
    return pid
  }
}
