import CompressNIO
import NIOCore

/// zlib (through CompressNIO) for the gzip fault kinds and the result PNGs' IDAT streams.
/// Output is deterministic for a given zlib build, level and input.
enum Compression {
  /// Why a compression failed (zlib out of memory or an internal error).
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// `bytes` as one gzip member (RFC 1952), best compression.
  static func gzip(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
    try deflate(bytes, algorithm: .gzip)
  }

  /// `bytes` as a zlib stream (RFC 1950), the format of a PNG's IDAT data. Fastest level: at
  /// the best level, deflating a grainy 256×256 result took ~80 % of the emulator's CPU, which
  /// made it, not swapsync, the bottleneck of `make bench`.
  static func zlib(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
    try deflate(bytes, algorithm: .zlib, configuration: Self.fastest)
  }

  /// A gzip member that decodes to `count` zero bytes, compressed 1 MiB at a time (memory use
  /// stays small; 256 MiB of zeros take about 260 KB).
  static func gzipOfZeros(count: Int) throws(Failure) -> [UInt8] {
    precondition(count > 0, "a gzip bomb needs at least one byte")
    do {
      let compressor = try ZlibCompressor(algorithm: .gzip, configuration: Self.configuration)
      let chunkSize = 1 << 20
      let zeros = ByteBuffer(repeating: 0, count: chunkSize)
      var output = ByteBufferAllocator().buffer(capacity: count / 900 + 4_096)
      var left = count
      while left > 0 {
        let size = min(chunkSize, left)
        var chunk = size == chunkSize ? zeros : ByteBuffer(repeating: 0, count: size)
        left -= size
        while chunk.readableBytes > 0 || left == 0 {
          output.reserveCapacity(minimumWritableBytes: 64 * 1_024)
          do {
            try compressor.deflate(from: &chunk, to: &output, flush: left == 0 ? .finish : .no)
            if left == 0 { break }
          } catch let error as CompressNIOError where error == .bufferOverflow {
            continue  // more room is reserved on the next turn
          }
        }
      }
      return Array(output.readableBytesView)
    } catch {
      throw Failure(description: "gzip: \(error)")
    }
  }

  private static let configuration = ZlibConfiguration(compressionLevel: .bestCompression)
  private static let fastest = ZlibConfiguration(compressionLevel: .fastestCompression)

  private static func deflate(
    _ bytes: [UInt8], algorithm: ZlibAlgorithm, configuration: ZlibConfiguration = configuration
  ) throws(Failure) -> [UInt8] {
    do {
      let compressor = try ZlibCompressor(algorithm: algorithm, configuration: configuration)
      var input = ByteBufferAllocator().buffer(capacity: max(bytes.count, 64))
      input.writeBytes(bytes)
      var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
      try compressor.deflate(from: &input, to: &output, flush: .finish)
      return Array(output.readableBytesView)
    } catch {
      throw Failure(description: "\(algorithm): \(error)")
    }
  }
}
