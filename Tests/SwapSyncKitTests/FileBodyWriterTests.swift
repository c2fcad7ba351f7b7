import Foundation
import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct FileBodyWriterTests {
  /// A body in libcurl's 16 KiB pieces, plus odd ones, lands in the file byte for byte, and the
  /// reserved room does not change the file's size.
  @Test(arguments: [nil, 1_000_003, 40_000])
  func writesEveryByteInOrder(expectedLength: Int?) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fbw-\(UUID().uuidString)").path
    defer { unlink(path) }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    try #require(fd >= 0)
    defer { close(fd) }
    let body = (0..<1_000_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
    let writer = FileBodyWriter(fd: fd, expectedLength: expectedLength)
    var offset = 0
    for piece in [16_384, 1, 300_000, 16_384, 7] + Array(repeating: 16_384, count: 100) {
      let end = min(body.count, offset + piece)
      try body[offset..<end].withUnsafeBytes { try writer.append($0) }
      offset = end
    }
    try body[offset...].withUnsafeBytes { try writer.append($0) }
    try writer.flush()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(body))
  }

  @Test func aFailedWriteThrowsItsErrno() throws {
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    let writer = FileBodyWriter(fd: fd, expectedLength: nil)
    let bytes = [UInt8](repeating: 7, count: FileBodyWriter.pieceSize + 1)
    #expect(throws: FileBodyWriter.Errno.self) { try bytes.withUnsafeBytes { try writer.append($0) } }
    #expect(throws: FileBodyWriter.Errno.self) { try writer.flush() }
  }
}
