import Dispatch

/// Runs blocking file-system work (creating a file, `fsync` of a result and its folders) on
/// threads of its own, not on Swift's cooperative pool: that pool has one thread per core, so
/// on a 2-core machine two results syncing to a slow disk would hold every thread, and every
/// poll, submit and timer of the run (the interrupt grace, `--timeout`) would wait for the disk.
/// (On this project's disk it changed no `make bench` figure; it is there for slow disks.)
///
/// Each call gets a serial queue of its own. libdispatch runs serial queues on its overcommitting
/// root queue, which starts a thread whenever none is idle, so work that blocks never waits for
/// other blocked work. (A concurrent queue targets the non-overcommitting root queue instead,
/// whose width on Linux grows only when libdispatch's monitor notices blocked threads: a test
/// with more blocked closures than cores waited over a minute on a loaded machine.) The calling
/// task waits without holding a thread.
enum BlockingIO {
  /// Runs `body` on a thread of the blocking-I/O queues and returns its value, or throws its error.
  static func run<T: Sendable>(
    _ body: @escaping @Sendable () throws(FileSystemError) -> T
  ) async throws(FileSystemError) -> T {
    let result: Result<T, FileSystemError> = await withCheckedContinuation { continuation in
      DispatchQueue(label: "swapsync.blocking-io").async {
        continuation.resume(returning: Result { () throws(FileSystemError) in try body() })
      }
    }
    return try result.get()
  }
}
