import Foundation
import Testing

@testable import SwapSyncKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The POSIX layer keeps its raw-descriptor, errno-on-failure contract on top of swift-system.
@Suite(.timeLimit(.minutes(3))) struct PosixTests {
  @Test func openFailuresSetErrnoAndKeepATrailingSlashMeaningful() throws {
    let box = try StoreTestSandbox()
    try box.write(Array("x".utf8), to: "file")
    errno = 0
    #expect(Posix.open(box.url("missing"), O_RDONLY) == -1)
    #expect(errno == ENOENT)
    // A path is passed as written: "file/" names a folder, so opening it must fail.
    errno = 0
    #expect(Posix.open(box.url("file") + "/", O_RDONLY) == -1)
    #expect(errno == ENOTDIR)
    #expect(Posix.open(box.url("file"), O_RDWR | O_CREAT | O_EXCL, Posix.fileMode) == -1)
    #expect(errno == EEXIST)
  }

  @Test func createdFilesAreCloseOnExecWithTheModeAskedForAndRoundTrip() throws {
    let box = try StoreTestSandbox()
    let path = box.url("new")
    let fd = Posix.open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
    try #require(fd >= 0)
    #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    let (info, _) = Posix.fileStatus(fd)
    #expect(info.map { $0.st_mode & 0o777 } == 0o600)
    let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
    try Posix.writeFully(fd, bytes, path: path)
    #expect(lseek(fd, 0, SEEK_SET) == 0)
    #expect(try Posix.readToEnd(fd, path: path) == bytes)
    try Posix.closeFile(fd, path: path)
    // A descriptor that can never be open: reusing the closed `fd` would race with other tests'
    // opens in this process (a write there once landed in another test's file).
    #expect(throws: FileSystemError.io(operation: "close", path: path, errno: EBADF)) {
      try Posix.closeFile(-1, path: path)
    }
    #expect(throws: FileSystemError.io(operation: "write", path: path, errno: EBADF)) {
      try Posix.writeFully(-1, [1], path: path)
    }
    #expect(Posix.message(ENOSPC) == String(cString: strerror(ENOSPC)))
  }
}
