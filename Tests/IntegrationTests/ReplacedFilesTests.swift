import Foundation
import Testing

/// A `modified` output is repaired from its own job, but the bytes found there are never
/// destroyed: they are kept under `<outputDir>/.swapsync/replaced/` first, whichever way the
/// result comes back (a download, a copy of a sibling with the same job, the cache), and the
/// run says where (docs/safety.md, "Replaced files").
@Suite("replaced files are kept", .timeLimit(.minutes(3)))
struct ReplacedFilesTests {
  /// Bytes that are no result of the emulator's: a user's edit.
  static let edit = Data("an edit the user made by hand".utf8)
  static let otherEdit = Data("a second edit, other bytes".utf8)

  /// Every file under the output folder's `.swapsync/replaced/`, with its bytes.
  static func kept(_ sandbox: Sandbox) -> [String: Data] {
    sandbox.files(under: "out/.swapsync/replaced")
  }

  @Test(
    "an edited output repaired by a download or by a copy of its sibling keeps the edit aside; nothing is bought"
  )
  func downloadAndCopy() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator))
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    let results = sandbox.files(under: "out")
    try Self.edit.write(to: URL(fileURLWithPath: sandbox.path("out/b.png")))
    try Self.otherEdit.write(to: URL(fileURLWithPath: sandbox.path("out/copy/a.png")))
    #expect(try await Faults.statuses(sandbox)["b.png"]?.status == .modified)

    let repaired = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(repaired.status == 0, "\(repaired.stderr)")
    #expect(sandbox.files(under: "out") == results, "the results are back")
    let kept = Self.kept(sandbox)
    #expect(kept.count == 2, "\(kept.keys.sorted())")
    let keptB = try #require(kept.first { $0.key.hasPrefix("b.") && $0.key.hasSuffix(".png") })
    let keptCopy = try #require(kept.first { $0.key.hasPrefix("copy/a.") && $0.key.hasSuffix(".png") })
    #expect(keptB.value == Self.edit)
    #expect(keptCopy.value == Self.otherEdit)
    for name in [keptB.key, keptCopy.key] {
      #expect(
        repaired.stderr.contains("kept as \(sandbox.path("out/.swapsync/replaced/" + name))"),
        "\(repaired.stderr)")
    }
    #expect(repaired.stderr.contains("a copy of a.png was put back"), "\(repaired.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2, "a repair buys nothing")

    // Repaired, the tree is in sync: the kept files are not outputs, untracked or orphans.
    let again = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(!again.stderr.contains("kept as"), "\(again.stderr)")
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 0)
    #expect(Self.kept(sandbox).count == 2)
  }

  @Test("an edited output restored from the cache keeps the edit aside")
  func cache() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator), extra: #""cache": "shared/cache","#)
    let first = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    let result = try #require(sandbox.read("out/b.png"))
    try Self.edit.write(to: URL(fileURLWithPath: sandbox.path("out/b.png")))

    let repaired = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(repaired.status == 0, "\(repaired.stderr)")
    #expect(repaired.stderr.contains("1 restored from the cache"), "\(repaired.stderr)")
    #expect(sandbox.read("out/b.png") == result)
    #expect(Self.kept(sandbox).values.map { $0 } == [Self.edit])
    #expect(repaired.stderr.contains("the cached copy"), "\(repaired.stderr)")
  }
}
