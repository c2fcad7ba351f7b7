import Dispatch

/// Runs blocking file-system work (creating a file, `fsync` of a result and its folders) on
/// threads of its own, not on Swift's cooperative pool: that pool has one thread per core, so
/// on a 2-core machine two results syncing to a slow disk would hold every thread, and every
/// poll, submit and timer of the run (the interrupt grace, `--timeout`) would wait for the disk.
/// (On this project's disk it changed no `make bench` figure; it is there for slow disks.)
///
/// The queue targets libdispatch's overcommitting global queue, which adds threads while its
/// work blocks; the calling task waits without holding a thread.
enum BlockingIO {
  private static let queue = DispatchQueue(label: "swapsync.blocking-io", attributes: .concurrent)

  /// Runs `body` on the blocking-I/O queue and returns its value, or throws its error.
  static func run<T: Sendable>(
    _ body: @escaping @Sendable () throws(FileSystemError) -> T
  ) async throws(FileSystemError) -> T {
    let result: Result<T, FileSystemError> = await withCheckedContinuation { continuation in
      queue.async { continuation.resume(returning: Result { () throws(FileSystemError) in try body() }) }
    }
    return try result.get()
  }
}
