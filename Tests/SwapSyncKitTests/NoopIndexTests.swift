import Foundation
import Testing

@testable import SwapSyncKit

/// The no-op index trusts stat data only while nothing it recorded has changed.
@Suite("no-op index", .timeLimit(.minutes(1)))
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
        outputs: ["a.png", "b.png"], racyWindow: racyWindow)
    }
    var verified: Int? {
      NoopIndex.verifiedOutputs(
        at: index, manifestPath: root + "/swaps.json", lockPath: root + "/swaps.lock.json")
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
}
