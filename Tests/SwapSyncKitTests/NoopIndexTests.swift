import Foundation
import Testing

@testable import SwapSyncKit

/// The no-op index trusts stat data only while nothing it recorded has changed.
@Suite("no-op index", .timeLimit(.minutes(3)))
struct NoopIndexTests {
  final class Tree {
    let root: String
    init() throws {
      root = FileManager.default.temporaryDirectory.appendingPathComponent("noop-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(
        atPath: root + "/out/.swapsync", withIntermediateDirectories: true)
      for (name, text) in [
        ("swaps.json", "{}"), ("swaps.lock.json", "{}"), ("out/a.png", "a"), ("out/b.png", "b"),
      ] {
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + name))
      }
    }
    deinit { try? FileManager.default.removeItem(atPath: root) }
    var index: String { root + "/cache/noop.idx" }
    func record(racyWindow: Int64 = 0) {
      NoopIndex.record(
        at: index, manifestPath: root + "/swaps.json", lockPath: root + "/swaps.lock.json",
        outputRoot: root + "/out",
        outputs: ["a.png", "b.png"], reports: Self.reports, cacheConfigured: false, racyWindow: racyWindow)
    }
    static let reports = [
      EntryReport(output: "a.png", status: .done, jobId: "SWAP-1", detail: nil),
      EntryReport(output: "b.png", status: .done, jobId: nil, detail: "adopted: é"),
      EntryReport(output: "old.png", status: .orphan, jobId: "SWAP-0", detail: "no longer in the manifest"),
    ]
    var verified: Int? {
      NoopIndex.check(
        at: index, manifestPath: root + "/swaps.json", lockPath: root + "/swaps.lock.json", withReports: false
      )?.outputs
    }
    func write(_ name: String, _ text: String) throws {
      try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + name))
    }
  }

  @Test(
    "an unchanged tree is proven in sync; any change to the manifest, lockfile, an output or the journal is not"
  )
  func invalidation() throws {
    for change in ["swaps.json", "swaps.lock.json", "out/a.png", "out/.swapsync/journal.jsonl", "remove"] {
      let tree = try Tree()
      tree.record()
      #expect(tree.verified == 2)
      if change == "remove" {
        try FileManager.default.removeItem(atPath: tree.root + "/out/b.png")
      } else {
        try tree.write(change, "changed!")
      }
      #expect(tree.verified == nil, "\(change)")
    }
  }

  @Test("files changed within the racy window are not trusted: no index is written")
  func racyFilesAreNotRecorded() throws {
    let tree = try Tree()
    tree.record(racyWindow: 60_000_000_000)
    #expect(!FileManager.default.fileExists(atPath: tree.index))
    #expect(tree.verified == nil)
  }

  @Test("the location depends on the manifest, the lockfile, --out and --allow-http")
  func location() {
    let env = ["HOME": "/home/u"]
    let a = NoopIndex.location(
      manifestPath: "/p/swaps.json", lockPath: "/p/swaps.lock.json", out: nil, allowHTTP: false,
      environment: env)
    let b = NoopIndex.location(
      manifestPath: "/p/swaps.json", lockPath: "/p/swaps.lock.json", out: "/x", allowHTTP: false,
      environment: env)
    let c = NoopIndex.location(
      manifestPath: "/p/swaps.json", lockPath: "/p/swaps.lock.json", out: nil, allowHTTP: true,
      environment: env)
    #expect(a?.hasPrefix("/home/u/.cache/swapsync/noop/") == true)
    #expect(Set([a, b, c]).count == 3)
    #expect(
      NoopIndex.location(manifestPath: "s", lockPath: "l", out: nil, allowHTTP: false, environment: [:])
        == nil)
  }

  @Test("the status rows of the run come back as they were recorded, in order")
  func reportsRoundTrip() throws {
    let tree = try Tree()
    tree.record()
    let proof = NoopIndex.check(
      at: tree.index, manifestPath: tree.root + "/swaps.json", lockPath: tree.root + "/swaps.lock.json",
      withReports: true)
    #expect(proof?.outputs == 2)
    #expect(proof?.cacheConfigured == false)
    #expect(proof?.reports == Tree.reports)
  }

  @Test("a damaged or truncated index proves nothing")
  func damagedIndex() throws {
    let tree = try Tree()
    tree.record()
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: tree.index)))
    for cut in [0, 8, 12, 20, bytes.count / 2, bytes.count - 1] {
      try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: tree.index))
      let proof = NoopIndex.check(
        at: tree.index, manifestPath: tree.root + "/swaps.json", lockPath: tree.root + "/swaps.lock.json",
        withReports: true)
      #expect(proof == nil, "cut at \(cut)")
    }
  }

  @Test("many outputs are checked on several threads; a change to the last one is still seen")
  func manyOutputs() throws {
    let tree = try Tree()
    let names = (0..<600).map { "many/\($0).png" }
    try FileManager.default.createDirectory(
      atPath: tree.root + "/out/many", withIntermediateDirectories: true)
    for name in names { try tree.write("out/" + name, name) }
    NoopIndex.record(
      at: tree.index, manifestPath: tree.root + "/swaps.json", lockPath: tree.root + "/swaps.lock.json",
      outputRoot: tree.root + "/out", outputs: names, reports: [], cacheConfigured: true, racyWindow: 0)
    func check() -> NoopIndex.Proof? {
      NoopIndex.check(
        at: tree.index, manifestPath: tree.root + "/swaps.json", lockPath: tree.root + "/swaps.lock.json",
        withReports: false, outputsPerThread: 100)
    }
    #expect(check()?.outputs == 600)
    #expect(check()?.cacheConfigured == true)
    try tree.write("out/" + names[names.count - 1], "changed")
    #expect(check() == nil)
  }
}
