import Foundation
import Testing

/// `swapsync gallery` and `sync --gallery` as commands: where the page goes, what refuses it, and
/// that `prune` leaves it alone.
@Suite("gallery command", .timeLimit(.minutes(5)))
struct GalleryCommandTests {
  @Test("sync --gallery writes <outputDir>/index.html; prune deletes an orphan and keeps the page")
  func syncWritesPagePruneKeepsIt() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), alice = emulator.sample("face-alice")
    let bob = emulator.sample("face-bob")
    try sandbox.writeManifest([("keep.png", beach, alice), ("gone.png", beach, bob)])
    let sync = try await sandbox.swapsync(
      ["sync", "--gallery", "--poll-interval", "20ms"], emulator: emulator)
    #expect(sync.status == 0, "\(sync.stderr)")
    #expect(sync.stderr.contains("gallery: \(sandbox.path("out/index.html"))"))
    let first = String(decoding: try #require(sandbox.read("out/index.html")), as: UTF8.self)
    #expect(first.contains("gone.png") && first.contains("keep.png"))

    try sandbox.writeManifest([("keep.png", beach, alice)])
    let gallery = try await sandbox.swapsync(["gallery"], emulator: nil)
    #expect(gallery.status == 0)
    let second = String(decoding: try #require(sandbox.read("out/index.html")), as: UTF8.self)
    #expect(second.contains("Orphans"), "gone.png is now a lockfile orphan")
    let prune = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(prune.status == 0, "\(prune.stderr)")
    #expect(prune.stdout.contains("deleted gone.png"))
    #expect(!prune.stdout.contains("index.html") && !prune.stderr.contains("index.html"))
    #expect(sandbox.read("out/index.html") == Data(second.utf8), "prune never touches the page")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 0)
    #expect(!status.stdout.contains("index.html"))
  }

  @Test("--output: relative links from another folder; refused for image names and .swapsync/")
  func outputOption() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a/b.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    #expect(try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator).status == 0)
    let elsewhere = try await sandbox.swapsync(["gallery", "--output", "site/pages/all.html"], emulator: nil)
    #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
    let page = String(decoding: try #require(sandbox.read("site/pages/all.html")), as: UTF8.self)
    #expect(page.contains(#"src="../../out/a/b.png""#))
    #expect(!sandbox.exists("out/index.html"))
    for bad in ["out/a/c.png", "out/.swapsync/page.html", "page"] {
      let refused = try await sandbox.swapsync(["gallery", "--output", bad], emulator: nil)
      #expect(refused.status == 64, "\(bad): \(refused.stderr)")
    }
    try sandbox.write("swaps.json", #"{"version": 1, "swaps": [{"output": "x.png"}]}"#)
    let invalid = try await sandbox.swapsync(["gallery"], emulator: nil)
    #expect(invalid.status == 65)
  }

  @Test("a page swapsync did not write (the user's own index.html, a link, a folder) is never replaced: 73")
  func foreignPageIsKept() async throws {
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", "https://img.example/t", "https://img.example/f")])
    let own = "<html><body>MY OWN PAGE</body></html>\n"
    try sandbox.write("out/index.html", own)
    let refused = try await sandbox.swapsync(["gallery"], emulator: nil)
    #expect(refused.status == 73, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("a file is at \(sandbox.path("out/index.html")), and swapsync did not write it")
    )
    #expect(sandbox.read("out/index.html") == Data(own.utf8))
    try sandbox.write("notes.html", own)
    #expect(try await sandbox.swapsync(["gallery", "--output", "notes.html"], emulator: nil).status == 73)
    #expect(sandbox.read("notes.html") == Data(own.utf8))
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("link.html"), withDestinationPath: "notes.html")
    #expect(try await sandbox.swapsync(["gallery", "--output", "link.html"], emulator: nil).status == 73)

    // Its own page, written once elsewhere, is replaced by the next run as before.
    #expect(try await sandbox.swapsync(["gallery", "--output", "site.html"], emulator: nil).status == 0)
    try sandbox.writeManifest([("b.png", "https://img.example/t", "https://img.example/f")])
    #expect(try await sandbox.swapsync(["gallery", "--output", "site.html"], emulator: nil).status == 0)
    let page = String(decoding: try #require(sandbox.read("site.html")), as: UTF8.self)
    #expect(page.contains("b.png") && !page.contains("a.png"))
  }

  @Test("sync --gallery with nothing to do still refuses a page it did not write (no no-op shortcut)")
  func noopSyncStillChecksThePage() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let own = "<html><body>MY OWN PAGE</body></html>\n"
    try sandbox.write("out/index.html", own)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // A run ending in sync with every file older than the racy window records the no-op index.
    try await NoopIndexCommandTests.waitUntilOlderThanRacyWindow(sandbox)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let indexFolder = sandbox.path(".cache/swapsync/noop")
    #expect(try FileManager.default.contentsOfDirectory(atPath: indexFolder).count == 1)

    let requests = try await emulator.stats().apiRequests
    let gallery = try await sandbox.swapsync(Faults.sync + ["--gallery"], emulator: emulator)
    #expect(gallery.status == 73, "\(gallery.stderr)")
    #expect(gallery.stderr.contains("swapsync did not write it"), "\(gallery.stderr)")
    #expect(sandbox.read("out/index.html") == Data(own.utf8))
    #expect(try await emulator.stats().apiRequests == requests)
  }
}
