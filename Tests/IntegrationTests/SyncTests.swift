import Foundation
import SwapSyncKit
import Testing

/// `swapsync sync` end to end: the real binary against the real emulator over loopback.
@Suite("sync end to end", .timeLimit(.minutes(5)))
struct SyncTests {
  static let fast = ["--poll-interval", "20ms"]

  @Test("a manifest with swaps and a matrix converges; shared pairs are bought once")
  func happyPathWithMatrix() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "100ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), office = emulator.sample("target-office")
    let alice = emulator.sample("face-alice"), bob = emulator.sample("face-bob")
    try sandbox.write(
      "swaps.json",
      """
      {"version": 1, "outputDir": "out/team",
       "swaps": [
         {"output": "solo/alice-beach.jpg", "targetImage": "\(beach)", "swapImage": "\(alice)"},
         {"output": "solo/extra.png", "targetImage": "\(office)", "swapImage": "\(alice)"}
       ],
       "matrix": [
         {"targets": {"beach": "\(beach)", "office": "\(office)"},
          "faces": {"alice": "\(alice)", "bob": "\(bob)"},
          "output": "{face}/{target}.png"}
       ]}
      """)
    let result = try await sandbox.swapsync(["sync", "--json"] + Self.fast, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let files = sandbox.files(under: "out/team")
    #expect(files.count == 6)
    #expect(files.values.allSatisfy(isPNG))
    // Same pair, same bytes: alice/beach.png and solo/alice-beach.jpg share one job.
    #expect(files["alice/beach.png"] == files["solo/alice-beach.jpg"])
    #expect(files["alice/beach.png"] != files["bob/beach.png"])
    let stats = try await emulator.stats()
    #expect(stats.submits == 4)
    #expect(stats.maxJobsPerPair == 1)
    let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(summary?["submitted"] as? Int == 4)
    #expect((summary?["entries"] as? [String: Int])?["done"] == 6)
    let lock = try #require(sandbox.read("swaps.lock.json"))
    let text = String(decoding: lock, as: UTF8.self)
    #expect(!text.contains(Emulator.apiKey))
    #expect(!text.contains(sandbox.root))
    #expect(text.contains("\"state\" : \"done\""))
  }

  @Test("a second run does nothing: zero requests, lockfile byte-identical")
  func rerunIsNoOp() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    let first = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    let lockBefore = sandbox.read("swaps.lock.json")
    let before = try await emulator.stats()
    let second = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(second.status == 0)
    #expect(second.stderr.contains("nothing to do"))
    let after = try await emulator.stats()
    #expect(after.apiRequests == before.apiRequests)
    #expect(sandbox.read("swaps.lock.json") == lockBefore)
    // Nothing to do needs no key either.
    let keyless = try await sandbox.swapsync(["sync"], emulator: emulator, key: nil)
    #expect(keyless.status == 0)
  }

  @Test("a fresh clone with the committed lockfile restores every output without a submit")
  func restoreFromLockfile() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let original = try Sandbox()
    try original.writeManifest([
      ("x/a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("x/b.png", emulator.sample("target-office"), emulator.sample("face-alice")),
      ("x/c.png", emulator.sample("target-office"), emulator.sample("face-alice")),
    ])
    #expect(try await original.swapsync(["sync"] + Self.fast, emulator: emulator).status == 0)
    let clone = try Sandbox()
    try clone.write("swaps.json", String(decoding: try #require(original.read("swaps.json")), as: UTF8.self))
    let lock = try #require(original.read("swaps.lock.json"))
    try clone.write("swaps.lock.json", String(decoding: lock, as: UTF8.self))
    let submitsBefore = try await emulator.stats().submits
    let restored = try await clone.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try await emulator.stats().submits == submitsBefore)
    #expect(clone.files(under: "out") == original.files(under: "out"))
    #expect(clone.read("swaps.lock.json") == lock)
  }

  @Test("a clone that committed its outputs (no .swapsync/) verifies, reports done and plans nothing")
  func committedOutputsWithoutStateFolder() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let original = try Sandbox()
    try original.writeManifest(Faults.twoEntries(emulator))
    #expect(try await original.swapsync(["sync"] + Self.fast, emulator: emulator).status == 0)
    let clone = try Sandbox()
    for (path, bytes) in original.files(under: "")
    where !path.contains(".swapsync/") && !path.hasPrefix(".cache") {
      try FileManager.default.createDirectory(
        atPath: (clone.path(path) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try bytes.write(to: URL(fileURLWithPath: clone.path(path)))
    }
    #expect(!FileManager.default.fileExists(atPath: clone.path("out/.swapsync")))
    let verify = try await clone.swapsync(["verify"], emulator: nil)
    #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    let status = try await clone.swapsync(["status"], emulator: nil)
    #expect(status.status == 0, "\(status.stdout)")
    let plan = try await clone.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 0, "\(plan.stdout)")
    #expect(!FileManager.default.fileExists(atPath: clone.path("out/.swapsync")), "a read-only command wrote")
  }

  @Test("editing one entry resubmits only that entry")
  func editedEntryIsResubmitted() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), office = emulator.sample("target-office")
    try sandbox.writeManifest([
      ("a.png", beach, emulator.sample("face-alice")), ("b.png", office, emulator.sample("face-alice")),
    ])
    #expect(try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator).status == 0)
    let oldA = sandbox.read("out/a.png"), oldB = sandbox.read("out/b.png")
    try sandbox.writeManifest([
      ("a.png", beach, emulator.sample("face-alice")), ("b.png", office, emulator.sample("face-bob")),
    ])
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 2)
    #expect(plan.stdout.contains("submits:   1"))
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("stale"))
    let before = try await emulator.stats()
    let result = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let after = try await emulator.stats()
    #expect(after.submits - before.submits == 1)
    #expect(after.jobs(target: office, face: emulator.sample("face-bob")) == 1)
    #expect(sandbox.read("out/a.png") == oldA)
    #expect(sandbox.read("out/b.png") != oldB)
  }

  @Test("a FAILED job gives exit 1 with the server's message; the rest completes")
  func failedJobIsReported() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "50ms", "--fail-when", "face-bob=no face found in swapImage",
    ])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("good.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("bad.png", emulator.sample("target-beach"), emulator.sample("face-bob")),
    ])
    let result = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(result.status == 1)
    #expect(result.stderr.contains("no face found in swapImage"))
    #expect(result.stderr.contains("--resubmit failed"))
    #expect(isPNG(sandbox.read("out/good.png")))
    #expect(!sandbox.exists("out/bad.png"))
    // Failed entries are paid for: a rerun does not buy them again.
    let submits = try await emulator.stats().submits
    #expect(try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator).status == 1)
    #expect(try await emulator.stats().submits == submits)
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 1)
  }

  @Test("--no-wait exits 75 with jobs running; a later run finishes them without new submits")
  func noWaitThenFinish() async throws {
    // The jobs run until the test ends them, so they surely still run during the --no-wait pass.
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    let first = try await sandbox.swapsync(["sync", "--no-wait"], emulator: emulator)
    #expect(first.status == 75, "\(first.stderr)")
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 75)
    try await emulator.finishAllJobs()
    let second = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(try await emulator.stats().submits == 2)
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 0)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }

  @Test("a job id recorded by hand, as docs/lockfile.md says, is collected without a new submit")
  func jobIdRecordedByHand() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    func readLock() throws -> [String: Any] {
      try #require(
        try JSONSerialization.jsonObject(with: sandbox.read("swaps.lock.json") ?? Data()) as? [String: Any])
    }
    var entry = try #require((try readLock()["entries"] as? [String: Any])?["a.png"] as? [String: Any])
    let jobId = try #require(entry["jobId"] as? String)
    // What a full disk leaves after its job id was printed: the intent in the journal, no lockfile.
    entry["jobId"] = nil
    entry["state"] = "submitting"
    let line = try JSONSerialization.data(withJSONObject: ["a.png": entry]) + Data("\n".utf8)
    try line.write(to: URL(fileURLWithPath: sandbox.path("out/.swapsync/journal.jsonl")))
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))

    // The documented steps: fold the journal into the lockfile without buying, edit, sync.
    let fold = try await sandbox.swapsync(
      Faults.sync + ["--max-submits", "0", "--no-wait"], emulator: emulator)
    #expect(fold.status == 1, "\(fold.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .uncertain)
    var lock = try readLock()
    var entries = try #require(lock["entries"] as? [String: Any])
    var recorded = try #require(entries["a.png"] as? [String: Any])
    recorded["state"] = "running"
    recorded["jobId"] = jobId
    recorded["message"] = nil
    entries["a.png"] = recorded
    lock["entries"] = entries
    try JSONSerialization.data(withJSONObject: lock).write(
      to: URL(fileURLWithPath: sandbox.path("swaps.lock.json")))
    let collected = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(collected.status == 0, "\(collected.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .done)
    #expect(try await emulator.stats().jobsCreated == 1)
  }
}
