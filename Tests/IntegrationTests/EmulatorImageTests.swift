import Foundation
import HTTPTypes
import SwapSyncKit
import Testing

/// The emulator's pictures: samples named `face-NAME` / `target-NAME`, and results that are
/// 256x256 PNGs, the same bytes for the same pair (across emulator restarts on other ports)
/// and different bytes for different pairs.
@Suite("emulator images", .timeLimit(.minutes(5)))
struct EmulatorImageTests {
  /// Width, height, bit depth and colour type from a PNG's IHDR, or nil when it is not a PNG.
  static func header(_ png: [UInt8]) -> (width: Int, height: Int, depth: UInt8, colour: UInt8)? {
    guard png.count > 33, Array(png.prefix(8)) == Wire.pngSignature, Array(png[12..<16]) == Array("IHDR".utf8)
    else { return nil }
    func word(_ at: Int) -> Int { png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (word(16), word(20), png[24], png[25])
  }

  @Test("face-NAME and target-NAME samples are 256x256 RGB PNGs; other names are 404")
  func samples() async throws {
    let emulator = try await Emulator()
    var seen = Set<[UInt8]>()
    for name in [
      "target-beach", "target-office", "target-park", "face-alice", "face-bob", "face-carol",
      "face-zoe_2", "target-kitchen",
    ] {
      let answer = try await Wire.send(HTTPRequest(method: .get, url: emulator.sample(name)))
      #expect(answer.status == 200 && answer.headers[.contentType] == "image/png", "\(name)")
      let header = try #require(Self.header(answer.body), "\(name) is not a PNG")
      #expect(
        header.width == 256 && header.height == 256 && header.depth == 8 && header.colour == 2, "\(name)")
      seen.insert(answer.body)
    }
    #expect(seen.count == 8, "two samples share their bytes")
    for name in ["alice", "face-", "face-Alice", "target-a.b", "other-beach"] {
      let answer = try await Wire.send(HTTPRequest(method: .get, url: emulator.sample(name)))
      #expect(answer.status == 404, "\(name)")
    }
  }

  /// The result bytes of each pair, from a fresh emulator.
  static func results(for pairs: [(String, String)]) async throws -> [[UInt8]] {
    let emulator = try await Emulator()
    func url(_ input: String) -> String {
      if input.hasPrefix("https://") { return input }
      let parts = input.split(separator: "?", maxSplits: 1).map(String.init)
      return emulator.sample(parts[0]) + (parts.count > 1 ? "?" + parts[1] : "")
    }
    var jobs: [String] = []
    for (target, face) in pairs {
      jobs.append(try await Wire.submit(emulator, target: url(target), face: url(face)))
    }
    try await emulator.finishAllJobs()
    var images: [[UInt8]] = []
    for jobId in jobs {
      let cdn = try #require(
        Wire.field(try await Wire.fetch(emulator, jobId: jobId), "data", "cdnImage") as? String)
      let answer = try await Wire.send(Wire.request(.get, cdn))
      #expect(answer.status == 200)
      images.append(answer.body)
    }
    return images
  }

  @Test("results: 256x256, one size class, same bytes per pair on any port, distinct per pair")
  func results() async throws {
    let pairs = [
      ("target-beach", "face-alice"), ("target-beach", "face-bob"), ("target-office", "face-alice"),
      ("target-beach?v=1", "face-alice"), ("target-beach", "face-alice?v=1"),
      ("https://img.example.com/t/beach.jpg", "https://img.example.com/f/alice.jpg"),
      ("https://img.example.com/t/beach.jpg", "face-alice"), ("target-beach", "face-alice"),
    ]
    let first = try await Self.results(for: pairs)
    let second = try await Self.results(for: pairs)
    #expect(first == second, "the same pairs gave other bytes on a restarted emulator")
    #expect(first[0] == first[7], "one pair, two jobs, two different results")
    #expect(Set(first.prefix(7)).count == 7, "different pairs share a result")
    for (index, png) in first.enumerated() {
      let header = try #require(Self.header(png))
      #expect(header.width == 256 && header.height == 256, "pair \(index)")
      // DiskErrorTests fills a 200 KiB file system with 24 results and then converges in 2 MiB.
      #expect((10 << 10)...(64 << 10) ~= png.count, "pair \(index): \(png.count) bytes")
    }
  }
}
