import Synchronization
import SystemPackage

/// What a command prints for a program or a person on stdout (tables, JSON, paths), written with
/// `write(2)` (swift-system's `FileDescriptor.writeAll`) so that a failed write is seen. Swift's
/// `print` goes through a `FILE *` whose errors nobody checks: `status --json > /dev/full` printed
/// nothing and exited 0, and a script reading the file took a truncated answer for a whole one.
///
/// The first failure is kept and later text is dropped (a reader must not get a hole in the middle).
/// The command then exits 73 (`withExitStatus`, docs/exit-codes.md) and says why on stderr, unless
/// the reader of a pipe left (`EPIPE`, seen once libcurl had SIGPIPE ignored; before that the
/// signal ends the process, as for any command in `… | head -3`).
public enum StandardOutput {
  private static let failure = Mutex<Errno?>(nil)

  /// Writes `text` followed by a newline, unless an earlier write failed.
  public static func line(_ text: String) {
    failure.withLock { failure in
      guard failure == nil else { return }
      do {
        _ = try FileDescriptor.standardOutput.writeAll((text + "\n").utf8)
      } catch {
        failure = (error as? Errno) ?? .ioError
      }
    }
  }

  /// Whether a write failed: what the command printed is incomplete.
  public static var failed: Bool { failure.withLock { $0 != nil } }

  /// What to tell the user on stderr about a failed write; nil when none failed or when the
  /// reader of a pipe left (it asked for no more).
  public static var failureMessage: String? {
    failure.withLock { failure in
      guard let failure, failure != .brokenPipe else { return nil }
      return "cannot write to standard output: \(failure.description); what was printed is incomplete"
    }
  }
}
