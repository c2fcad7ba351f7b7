import Synchronization
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a command prints for a program or a person on stdout (tables, JSON, paths), written with
/// `write(2)` (swift-system's `FileDescriptor.writeAll`) so that a failed write is seen. Swift's
/// `print` goes through a `FILE *` whose errors nobody checks: `status --json > /dev/full` printed
/// nothing and exited 0, and a script reading the file took a truncated answer for a whole one.
///
/// The first failure is kept and later text is dropped (a reader must not get a hole in the middle).
/// The command then exits 73 (`withExitStatus`, docs/exit-codes.md) and says why on stderr. A
/// reader of a pipe that left (`EPIPE`) asked for no more: that is not an error. Read-only
/// commands never see it (SIGPIPE ends them first, as it ends any command in `… | head -3`);
/// `sync` ignores SIGPIPE from its start (`keepWorkingIfTheReaderLeaves`).
public enum StandardOutput {
  private static let failure = Mutex<Errno?>(nil)

  /// Writes `text` followed by a newline, unless an earlier write failed.
  public static func line(_ text: String) {
    failure.withLock { failure in
      guard failure == nil else { return }
      if StandardStreams.stdoutWasClosed.load(ordering: .relaxed) {
        failure = .badFileDescriptor
        return
      }
      do {
        _ = try FileDescriptor.standardOutput.writeAll((text + "\n").utf8)
      } catch {
        failure = (error as? Errno) ?? .ioError
      }
    }
  }

  /// For a command that changes state (`sync`): a reader of its stdout or stderr that leaves
  /// (`sync --events - | head -1`) must not kill it halfway through its work, so SIGPIPE is
  /// ignored from the start (libcurl needs that too, docs/http.md). Writes to that pipe then
  /// fail with `EPIPE`, which is not an error.
  public static func keepWorkingIfTheReaderLeaves() {
    signal(SIGPIPE, SIG_IGN)
  }

  /// What to tell the user on stderr about a failed write, nil when none failed or when the
  /// reader of a pipe left (it asked for no more): what was printed is incomplete, exit 73.
  public static var failureMessage: String? {
    failure.withLock { failure in
      guard let failure, failure != .brokenPipe else { return nil }
      return "cannot write to standard output: \(failure.description); what was printed is incomplete"
    }
  }
}
