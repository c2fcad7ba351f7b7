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

  /// The SHA-256 the lockfile records for `output`.
  static func recordedSHA(_ sandbox: Sandbox, _ output: String) throws -> String {
    let lock = try JSONSerialization.jsonObject(with: try #require(sandbox.read("swaps.lock.json")))
    let entries = try #require((lock as? [String: Any])?["entries"] as? [String: [String: Any]])
    return try #require(entries[output]?["sha256"] as? String)
  }

  /// One side of `aliceThenBob`: the manifest's face for `a.png`, and what `sync` left.
  struct Side {
    var face: String
    var manifest: Data
    var lockfile: Data
    var result: Data
  }

  /// `a.png` bought for alice, then its inputs changed and bought for bob (alice's result is
  /// archived without a word): each side as `sync` left it.
  static func aliceThenBob(_ emulator: Emulator, _ sandbox: Sandbox) async throws -> (alice: Side, bob: Side)
  {
    var sides: [Side] = []
    for face in [emulator.sample("face-alice"), emulator.sample("face-bob")] {
      try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), face)])
      let result = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(
        !result.stderr.contains("kept as"), "an old result is archived without a word: \(result.stderr)")
      sides.append(
        Side(
          face: face, manifest: try #require(sandbox.read("swaps.json")),
          lockfile: try #require(sandbox.read("swaps.lock.json")),
          result: try #require(sandbox.read("out/a.png"))))
    }
    return (sides[0], sides[1])
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

  @Test(
    "a branch switched and switched back: each result is kept on the way out and comes back from there, with no request"
  )
  func branchRoundTrip() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (alice, bob) = try await Self.aliceThenBob(emulator, sandbox)
    #expect(Array(Self.kept(sandbox).values) == [alice.result])
    func checkout(_ side: Side) throws {
      try side.manifest.write(to: URL(fileURLWithPath: sandbox.path("swaps.json")))
      try side.lockfile.write(to: URL(fileURLWithPath: sandbox.path("swaps.lock.json")))
    }

    // Every switch takes the result from the kept copy and keeps the other: no request.
    let requests = try await emulator.stats().apiRequests
    try checkout(alice)
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("restore  a.png (copy of .swapsync/replaced/a."), "\(plan.stdout)")
    #expect(plan.stdout.contains("downloads: 0"), "\(plan.stdout)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("it will be put back from .swapsync/replaced/a."), "\(status.stdout)")
    for side in [alice, bob, alice] {
      try checkout(side)
      let switched = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
      #expect(switched.status == 0, "\(switched.stderr)")
      #expect(
        !switched.stderr.contains("kept as"),
        "the other branch's result is archived quietly: \(switched.stderr)")
      #expect(sandbox.read("out/a.png") == side.result)
      #expect(sandbox.read("swaps.lock.json") == side.lockfile, "a restore leaves the lockfile as committed")
      #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
    }
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(Set(Self.kept(sandbox).values) == [alice.result, bob.result])
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test("a kept file whose bytes changed since is not taken for the result: the job is asked instead")
  func keptFileChanged() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    let result = try #require(sandbox.read("out/a.png"))
    try Self.edit.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    // The result's own name in the kept folder, holding other bytes (edited there, say).
    let sha = try Self.recordedSHA(sandbox, "a.png")
    let resultName = "a.\(sha.prefix(12)).png"
    try Self.otherEdit.write(to: URL(fileURLWithPath: sandbox.path("out/.swapsync/replaced/" + resultName)))
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    let cdn = try await emulator.stats().cdn
    let repaired = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(repaired.status == 0, "\(repaired.stderr)")
    #expect(sandbox.read("out/a.png") == result)
    #expect(try await emulator.stats().cdn == cdn + 1, "downloaded from the job")
    #expect(sandbox.read("out/.swapsync/replaced/" + resultName) == Self.otherEdit)
  }

  @Test(
    "inputs changed and changed back: the old result was kept, and comes back with its own record, buying nothing"
  )
  func inputsChangedBack() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (alice, bob) = try await Self.aliceThenBob(emulator, sandbox)
    #expect(Array(Self.kept(sandbox).values) == [alice.result])

    // Back to alice: plan and status say the kept result comes back; no submit, no request.
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), alice.face)])
    let plan = try await sandbox.swapsync(["plan", "--max-submits", "0"], emulator: nil)
    #expect(plan.status == 2, "\(plan.stdout)")
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  a.png (copy of .swapsync/replaced/a."), "\(plan.stdout)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("sync puts it back instead of buying it again"), "\(status.stdout)")
    let requests = try await emulator.stats().apiRequests
    for side in [alice, bob, alice] {
      try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), side.face)])
      let back = try await sandbox.swapsync(CacheSupport.sync + ["--max-submits", "0"], emulator: emulator)
      #expect(back.status == 0, "\(back.stderr)")
      #expect(sandbox.read("out/a.png") == side.result)
      #expect(
        sandbox.read("swaps.lock.json") == side.lockfile, "the record the buying run made, byte for byte")
      #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 0)
    }
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(try await emulator.stats().jobsCreated == 2)
    #expect(Set(Self.kept(sandbox).values) == [alice.result, bob.result])
  }

  @Test("a kept result whose bytes changed is not put back: its job is fetched again, nothing bought")
  func changedKeptResultIsFetchedAgain() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (alice, _) = try await Self.aliceThenBob(emulator, sandbox)
    let keptName = try #require(Self.kept(sandbox).keys.first)
    try Self.edit.write(to: URL(fileURLWithPath: sandbox.path("out/.swapsync/replaced/" + keptName)))

    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), alice.face)])
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0") && plan.stdout.contains("polls:     1"), "\(plan.stdout)")
    let fetched = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(fetched.status == 0, "\(fetched.stderr)")
    #expect(sandbox.read("out/a.png") == alice.result)
    #expect(try await emulator.stats().jobsCreated == 2)
    #expect(sandbox.read("out/.swapsync/replaced/" + keptName) == Self.edit)
  }

  @Test("a lost entry whose result is kept comes back from there: nothing bought, no request")
  func lostResultKept() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    let result = try #require(sandbox.read("out/a.png"))
    let sha = try Self.recordedSHA(sandbox, "a.png")
    // The output deleted, and a service that never knew the job says so: the entry is lost.
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    let lost = try await sandbox.swapsync(CacheSupport.sync, emulator: forgetful)
    #expect(lost.status == 1, "\(lost.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .lost)

    // Its result kept where a repair keeps it (here by hand).
    try FileManager.default.createDirectory(
      atPath: sandbox.path("out/.swapsync/replaced"), withIntermediateDirectories: true)
    try result.write(to: URL(fileURLWithPath: sandbox.path("out/.swapsync/replaced/a.\(sha.prefix(12)).png")))
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("sync puts it back, buying nothing"), "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan", "--resubmit", "lost"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    let requests = try await forgetful.stats().apiRequests
    let back = try await sandbox.swapsync(CacheSupport.sync + ["--resubmit", "lost"], emulator: forgetful)
    #expect(back.status == 0, "\(back.stderr)")
    #expect(sandbox.read("out/a.png") == result)
    #expect(try await forgetful.stats().apiRequests == requests)
    #expect(try await forgetful.stats().jobsCreated == 0)
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .done)
  }

  @Test(
    "a result kept under one output's name serves another output that asks for its inputs: nothing bought")
  func keptUnderAnotherName() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (alice, bob) = try await Self.aliceThenBob(emulator, sandbox)
    // a.png keeps bob's inputs; a new output, c.png, asks for alice's.
    let beach = emulator.sample("target-beach")
    try sandbox.writeManifest([("a.png", beach, bob.face), ("c.png", beach, alice.face)])
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  c.png (copy of .swapsync/replaced/a."), "\(plan.stdout)")
    let requests = try await emulator.stats().apiRequests
    let synced = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(sandbox.read("out/c.png") == alice.result)
    #expect(sandbox.read("out/a.png") == bob.result)
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(try await emulator.stats().jobsCreated == 2)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }
}
