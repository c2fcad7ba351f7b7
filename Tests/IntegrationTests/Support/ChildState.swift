import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One child's PID until it is reaped, then how it ended. Held by the owner's `ChildProcess`, by
/// the child's reaper thread and by `ChildRegistry`. One lock makes "not reaped yet" and "send a
/// signal" a single step, so a signal never reaches a recycled PID or process group.
final class ChildState: @unchecked Sendable {
  let pid: pid_t
  private let condition = NSCondition()
  private var ended: ChildProcess.Termination?
  private var waiters: [@Sendable (ChildProcess.Termination) -> Void] = []

  init(pid: pid_t) { self.pid = pid }

  var termination: ChildProcess.Termination? { condition.withLock { ended } }

  /// Sends `signal` to the child if it is not reaped yet.
  func send(_ signal: Int32) -> Bool {
    condition.withLock { ended == nil && kill(pid, signal) == 0 }
  }

  /// SIGKILL to the child's process group (and to the child, in case it left the group), if the
  /// child is not reaped yet: until then its PID, and so its group ID, cannot be anyone else's.
  func killGroup() {
    condition.withLock {
      guard ended == nil else { return }
      _ = kill(-pid, SIGKILL)
      _ = kill(pid, SIGKILL)
    }
  }

  /// Calls `action` once the child is reaped (at once if it already is).
  func onExit(_ action: @escaping @Sendable (ChildProcess.Termination) -> Void) {
    let now: ChildProcess.Termination? = condition.withLock {
      if ended == nil { waiters.append(action) }
      return ended
    }
    if let now { action(now) }
  }

  /// Blocks until the child is reaped or `timeout` passes (then nil).
  func waitBlocking(timeout: Duration) -> ChildProcess.Termination? {
    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
    let deadline = Date(timeIntervalSinceNow: seconds)
    condition.lock()
    defer { condition.unlock() }
    while ended == nil && condition.wait(until: deadline) {}
    return ended
  }

  /// The body of the child's reaper thread: waits for the exit without reaping (the zombie keeps
  /// the PID and the group ID ours), kills what is left of the group, reaps, and tells the waiters.
  func reapWhenExited() {
    var info = siginfo_t()
    while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
    condition.lock()
    _ = kill(-pid, SIGKILL)
    var status: Int32 = 0
    var reaped: pid_t
    repeat { reaped = waitpid(pid, &status, 0) } while reaped < 0 && errno == EINTR
    // -1: someone else reaped it (nothing in the test process should); the status is unknown.
    let result = reaped == pid ? Self.decode(status) : .exited(-1)
    ended = result
    let actions = waiters
    waiters = []
    condition.broadcast()
    condition.unlock()
    ChildRegistry.shared.unregister(pid)
    for action in actions { action(result) }
  }

  /// The `waitpid` status word: WIFEXITED / WEXITSTATUS / WTERMSIG, which are C macros.
  static func decode(_ status: Int32) -> ChildProcess.Termination {
    let signal = status & 0x7f
    return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
  }
}
