import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The three standard descriptors, made safe before anything else opens a file.
public enum StandardStreams {
  /// Whether stdout was closed when swapsync started.
  static let stdoutWasClosed = Atomic<Bool>(false)

  /// Opens `/dev/null` on each of stdin, stdout and stderr that is closed (`swapsync status
  /// >&-`). Otherwise the next file swapsync opens (an epoll descriptor, the lockfile) would take
  /// the number 1 or 2, and text meant for a terminal could be written into it; the usual daemon
  /// precaution (`open` returns the lowest free number).
  /// A stdout found closed still fails the command's first write to it (`StandardOutput`, 73):
  /// what it printed went nowhere.
  public static func openClosedOnes() {
    for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
      if descriptor == 1 { stdoutWasClosed.store(true, ordering: .relaxed) }
      let opened = open("/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY)
      if opened >= 0, opened != descriptor {
        // Only when a lower number was free too, which the loop's order rules out; kept tidy.
        _ = dup2(opened, descriptor)
        close(opened)
      }
    }
  }
}
