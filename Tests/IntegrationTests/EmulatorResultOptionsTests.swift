import Foundation
import HTTPTypes
import SwapSyncKit
import Testing

/// The emulator's knobs for `make bench`'s restore workload: `--result-size` / `resultSize` pads
/// results to an exact size and keeps them valid PNGs of the same picture; `--cdn-base` /
/// `cdnBase` makes handed-out result URLs point at another server.
@Suite("emulator result size and CDN base", .timeLimit(.minutes(5)))
struct EmulatorResultOptionsTests {
  /// A PNG's chunks (type, payload) when every chunk is whole and its CRC-32 right, else nil.
  static func chunks(_ png: [UInt8]) -> [(type: String, payload: [UInt8])]? {
    guard png.count >= 8, Array(png.prefix(8)) == Wire.pngSignature else { return nil }
    var chunks: [(String, [UInt8])] = []
    var at = 8
    while at + 12 <= png.count {
      let length = png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
      guard at + 12 + length <= png.count else { return nil }
      let typed = Array(png[(at + 4)..<(at + 8 + length)])
      let stored = png[(at + 8 + length)..<(at + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      guard crc32(typed) == stored else { return nil }
      chunks.append((String(decoding: typed.prefix(4), as: UTF8.self), Array(typed.dropFirst(4))))
      at += 12 + length
    }
    return at == png.count ? chunks : nil
  }

  static func crc32(_ data: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in data {
      c ^= UInt32(byte)
      for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
  }

  /// Submits a pair of samples, ends it, and returns its fetch answer's result URLs.
  static func finishedURLs(_ emulator: Emulator, target: String) async throws -> (
    cdn: String, discord: String
  ) {
    let jobId = try await Wire.finishedJob(emulator, target: target)
    let answer = try await Wire.fetch(emulator, jobId: jobId)
    let cdn = try #require(Wire.field(answer, "data", "cdnImage") as? String)
    let discord = try #require(Wire.field(answer, "data", "discordImage") as? String)
    return (cdn, discord)
  }

  static func download(_ url: String) async throws -> [UInt8] {
    let answer = try await Wire.send(Wire.request(.get, url))
    #expect(answer.status == 200, "\(url)")
    return answer.body
  }

  @Test("--result-size pads results to exactly that size; the picture and its chunks stay valid")
  func padded() async throws {
    let size = 300 << 10
    let emulator = try await Emulator(arguments: ["--result-size", "300KiB"])
    let natural = try await EmulatorImageTests.results(for: [("target-beach", "face-alice")])[0]
    let first = try await Self.download(Self.finishedURLs(emulator, target: "target-beach").cdn)
    let again = try await Self.download(Self.finishedURLs(emulator, target: "target-beach").cdn)
    let other = try await Self.download(Self.finishedURLs(emulator, target: "target-park").cdn)
    #expect(first.count == size && other.count == size)
    // Compared as Bools: a failed #expect would print every byte of both operands.
    let repeatable = first == again
    let distinct = first != other
    #expect(repeatable, "the same pair was padded differently")
    #expect(distinct, "two pairs have the same padded result")
    let chunks = try #require(Self.chunks(first), "the padded result is not a well-formed PNG")
    #expect(chunks.map(\.type) == ["IHDR", "IDAT", "emPd", "IEND"])
    // Without the padding chunk, it is the natural result byte for byte.
    let padding = try #require(chunks.first { $0.type == "emPd" })
    let withoutPadding = Array(first.prefix(first.count - 12 - 12 - padding.payload.count)) + first.suffix(12)
    let unchanged = withoutPadding == natural
    #expect(unchanged, "without its padding chunk, the result is not the natural one")
    #expect(Set(padding.payload).count > 200, "the padding is not varied bytes")

    // At run time: another size, then back to the natural one.
    try await emulator.configure(#"{"resultSize":200000}"#)
    #expect(try await Self.download(Self.finishedURLs(emulator, target: "target-beach").cdn).count == 200_000)
    try await emulator.configure(#"{"resultSize":null}"#)
    let unpadded = try await Self.download(Self.finishedURLs(emulator, target: "target-beach").cdn) == natural
    #expect(unpadded, "resultSize null did not bring back the natural result")
    // A size too small to hold the chunk leaves the result as it is.
    try await emulator.configure(#"{"resultSize":100}"#)
    let tooSmall = try await Self.download(Self.finishedURLs(emulator, target: "target-beach").cdn) == natural
    #expect(tooSmall, "a size too small for the padding chunk changed the result")
  }

  @Test("--cdn-base and cdnBase make result URLs point at another server, same path and signature")
  func cdnBase() async throws {
    let emulator = try await Emulator(arguments: ["--cdn-base", "http://127.0.0.1:9/"])
    let urls = try await Self.finishedURLs(emulator, target: "target-beach")
    #expect(urls.cdn.hasPrefix("http://127.0.0.1:9/cdn/SWAP-FACE-"), "\(urls.cdn)")
    #expect(urls.discord.hasPrefix("http://127.0.0.1:9/discord/SWAP-FACE-"), "\(urls.discord)")
    // The same path and query are a valid download at the emulator itself.
    let own = emulator.baseURL + urls.cdn.dropFirst("http://127.0.0.1:9".count)
    let png = try await Self.download(own)
    #expect(Array(png.prefix(8)) == Wire.pngSignature)

    let stats = try await Wire.stats(emulator)
    #expect(Wire.field(stats, "requests", "cdn") as? Int == 1)

    try await emulator.configure(#"{"cdnBase":"http://127.0.0.1:8/static"}"#)
    #expect(
      try await Self.finishedURLs(emulator, target: "target-park").cdn.hasPrefix(
        "http://127.0.0.1:8/static/cdn/"))
    try await emulator.configure(#"{"cdnBase":null}"#)
    #expect(
      try await Self.finishedURLs(emulator, target: "target-park").cdn.hasPrefix(emulator.baseURL + "/cdn/"))
  }

  @Test("bad result sizes and CDN bases are refused, on the command line and at run time")
  func refused() async throws {
    let emulator = try await Emulator()
    for body in [
      #"{"resultSize":-1}"#, #"{"resultSize":"4MiB"}"#, #"{"cdnBase":"ftp://127.0.0.1/"}"#,
      #"{"cdnBase":"http://127.0.0.1:8/?x=1"}"#, #"{"cdnBase":7}"#,
    ] {
      await #expect(throws: EmulatorError.self, "\(body)") { try await emulator.configure(body) }
    }
    for arguments in [["--result-size", "big"], ["--cdn-base", "file:///tmp"]] {
      await #expect(throws: EmulatorError.self, "\(arguments)") {
        _ = try await Emulator(arguments: arguments)
      }
    }
  }
}
