import Foundation
import Synchronization

/// An open, not yet visible `.part` file in `<output>/.swapsync/tmp/`, to be installed or discarded.
///
/// Pass it to `OutputFolder.install(_:at:)` (which consumes it, also on failure) or to
/// `OutputFolder.discard(_:)`. The descriptor is closed at most once, so a `discard` after a
/// failed `install` is harmless and never closes a descriptor number another task reused.
public final class TempFile: Sendable {
  /// Write-only descriptor of the temporary file (valid until installed or discarded).
  public let fd: Int32
  /// File name inside `.swapsync/tmp/` (`<16 hex>.part`).
  public let name: String
  /// Full path, for messages.
  public let path: String

  /// Whether the descriptor was closed.
  private let closed = Mutex(false)

  init(fd: Int32, name: String, path: String) {
    self.fd = fd
    self.name = name
    self.path = path
  }

  deinit {
    if markClosed() { Posix.closeQuietly(fd) }
  }

  /// Appends bytes (all of them, continuing after short writes).
  public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystemError) {
    try Posix.writeFully(fd, bytes, path: path)
  }

  /// Appends bytes (all of them, continuing after short writes).
  public func write(_ bytes: [UInt8]) throws(FileSystemError) {
    try Posix.writeFully(fd, bytes, path: path)
  }

  /// Closes the descriptor unless that already happened; reports a failing close.
  func close() throws(FileSystemError) {
    guard markClosed() else { return }
    try Posix.closeFile(fd, path: path)
  }

  /// Closes the descriptor unless that already happened, ignoring errors (data is discarded).
  func closeQuietly() {
    if markClosed() { Posix.closeQuietly(fd) }
  }

  private func markClosed() -> Bool {
    closed.withLock { closed in
      defer { closed = true }
      return !closed
    }
  }
}
