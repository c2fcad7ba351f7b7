import CPosix
import Glibc

/// Writes a body bound for a file in large pieces. libcurl hands a body over 16 KiB at a time
/// (`CURL_MAX_WRITE_SIZE`), and ext4 spends about twice the kernel CPU on 16 KiB writes as on
/// 256 KiB ones; restoring 100 results of 4 MiB took 0.84–0.89 s of CPU before this writer and
/// 0.57–0.63 s after (docs/performance.md, "restore").
///
/// Owned by one `CurlTransfer` and used on its loop thread only.
final class FileBodyWriter {
  private let fd: Int32
  private let buffer: UnsafeMutableRawBufferPointer
  private var count = 0

  /// Largest write, in bytes (the download's `CURLOPT_BUFFERSIZE` too).
  static let pieceSize = 256 * 1024

  /// - Parameters:
  ///   - fd: the file the body goes to, at its current offset; the caller owns it.
  ///   - expectedLength: the body's length on disk when known (a `Content-Length` of an
  ///     uncompressed body). Its room is then reserved at once (`fallocate` with
  ///     `FALLOC_FL_KEEP_SIZE`), so ext4 maps each page without reserving its block one at a
  ///     time; a file system without `fallocate` just goes without. A body of at most
  ///     `pieceSize` goes in one `write`, which needs no reservation (at 38 KB results the
  ///     `fallocate` cost 2 % of a first sync's CPU, docs/performance.md). The buffer is no
  ///     larger than the body needs.
  init(fd: Int32, expectedLength: Int?) {
    self.fd = fd
    if let expectedLength, expectedLength > Self.pieceSize {
      _ = swapsync_fallocate_keep_size(fd, 0, Int64(expectedLength))
    }
    let size = expectedLength.map { min(Self.pieceSize, max($0, 16 * 1024)) } ?? Self.pieceSize
    buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
  }

  deinit { buffer.deallocate() }

  /// Takes `bytes`, writing whenever the buffer fills. Throws the `errno` of a failed write.
  func append(_ bytes: UnsafeRawBufferPointer) throws(Errno) {
    var taken = 0
    while taken < bytes.count {
      let piece = min(bytes.count - taken, buffer.count - count)
      UnsafeMutableRawBufferPointer(rebasing: buffer[count...]).copyMemory(
        from: UnsafeRawBufferPointer(rebasing: bytes[taken..<(taken + piece)]))
      count += piece
      taken += piece
      if count == buffer.count { try flush() }
    }
  }

  /// Writes what the buffer holds. Throws the `errno` of a failed write.
  func flush() throws(Errno) {
    var offset = 0
    while offset < count {
      let written = write(fd, buffer.baseAddress! + offset, count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        throw Errno(code: errno)
      }
      offset += written
    }
    count = 0
  }

  /// An `errno` value.
  struct Errno: Error {
    var code: Int32
  }
}
