import Foundation
import SwapSyncKit
import Testing

/// An output folder that is not committed keeps its files when git switches branches: files
/// swapsync installed are known by their content (`ResultLedger`, docs/states.md), so a result
/// for other inputs is never adopted as this output's image, and one for the same inputs is
/// recorded with its job, not as an adopted file without one.
@Suite("a branch switched under the output folder", .timeLimit(.minutes(3)))
struct BranchSwitchTests {
  @Test("another branch's result: refused for other inputs, recorded with its job for the same inputs")
  func otherBranchesResults() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach")
    let alice = emulator.sample("face-alice"), bob = emulator.sample("face-bob")
    // Branch "alice": a.png bought for alice and synced; its lockfile stays on that branch.
    try sandbox.writeManifest([("a.png", beach, alice)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let aliceLock = try #require(sandbox.read("swaps.lock.json"))
    let result = try #require(sandbox.read("out/a.png"))
    let jobId = try #require(try await Faults.statuses(sandbox)["a.png"]?.jobId)

    // Branch "bob", which never synced: a.png is wanted for bob; the file is alice's result.
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try sandbox.writeManifest([("a.png", beach, bob)])
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 1)
    #expect(status.stdout.contains("the result of job \(jobId) for other inputs"), "\(status.stdout)")
    #expect(!status.stdout.contains("--adopt"), "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(plan.stdout.contains("untracked a.png (swapsync's result for other inputs: not adopted)"))
    let requests = try await emulator.stats().apiRequests
    let refused = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(refused.status == 1, "\(refused.stderr)")
    #expect(refused.stderr.contains("a.png: not adopted: it is the result of job \(jobId) for other inputs"))
    #expect(!refused.stderr.contains("run `swapsync sync --adopt`"), "\(refused.stderr)")
    #expect(sandbox.read("out/a.png") == result)
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .untracked)

    // A branch that wants alice's pair but never synced it: recorded with alice's job, not adopted.
    try? FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try sandbox.writeManifest([("a.png", beach, alice)])
    let same = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(same.stdout.contains("the result of job \(jobId) for these inputs"), "\(same.stdout)")
    let recorded = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(recorded.status == 0, "\(recorded.stderr)")
    let lock = String(decoding: try #require(sandbox.read("swaps.lock.json")), as: UTF8.self)
    #expect(lock.contains("\"jobId\" : \"\(jobId)\"") && !lock.contains("adopted"), "\(lock)")
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(try await emulator.stats().jobsCreated == 1)
    // Merged with alice's branch, the two records agree byte for byte: no conflict.
    #expect(Data(lock.utf8) == aliceLock, "\(lock)")
  }

  @Test(
    "a journal a killed run left with another manifest is not replayed: sync and prune refuse (65), nothing bought"
  )
  func killedRunOnAnotherBranch() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    let main = [("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))]
    let feature =
      main + [
        ("c.png", emulator.sample("target-office"), emulator.sample("face-bob")),
        ("d.png", emulator.sample("target-beach"), emulator.sample("face-bob")),
      ]
    try sandbox.writeManifest(main)
    try await emulator.configure(#"{"jobDurationMs":0}"#)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await emulator.configure(#"{"jobDurationMs":3600000}"#)
    // On the feature branch, a sync is killed once both jobs are journaled as running.
    try sandbox.writeManifest(feature)
    let run = try Crash.Run(["sync", "--poll-interval", "20ms"], in: sandbox, emulator: emulator)
    #expect(
      try await Crash.eventually {
        let journal = String(decoding: sandbox.read("out/.swapsync/journal.jsonl") ?? Data(), as: UTF8.self)
        return journal.components(separatedBy: "\"running\"").count - 1 >= 2
      })
    run.killHard()
    _ = await run.finish()
    let lockfile = sandbox.read("swaps.lock.json")
    let journal = sandbox.read("out/.swapsync/journal.jsonl")

    // Back on main, which does not name c.png and d.png.
    try sandbox.writeManifest(main)
    let requests = try await emulator.stats().apiRequests
    let refused = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(
      refused.stderr.contains(
        "for 2 outputs this manifest does not name with those inputs (c.png and 1 more)"))
    #expect(try await sandbox.swapsync(["prune"], emulator: nil).status == 65)
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(
      status.stderr.contains("`swapsync sync` refuses to replay it with this manifest"), "\(status.stderr)")
    #expect(try await sandbox.swapsync(["plan"], emulator: nil).status == 1)
    #expect(
      sandbox.read("swaps.lock.json") == lockfile && sandbox.read("out/.swapsync/journal.jsonl") == journal)
    #expect(try await emulator.stats().apiRequests == requests)

    // Back on the feature branch (its lockfile as committed, the manifest that run had): the
    // journal's jobs are collected, nothing is bought twice.
    try sandbox.writeManifest(feature)
    try #require(lockfile).write(to: URL(fileURLWithPath: sandbox.path("swaps.lock.json")))
    try await emulator.finishAllJobs()
    let collected = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(collected.status == 0, "\(collected.stderr)")
    #expect(try await emulator.stats().jobsCreated == 3)
  }

  @Test(
    "a killed run's job for an output this branch names with other inputs is not given up: sync refuses (65)")
  func killedRunChangedInputsOnAnotherBranch() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let main = [("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))]
    let feature = [("a.png", emulator.sample("target-beach"), emulator.sample("face-bob"))]
    try sandbox.writeManifest(main)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let lockfile = try #require(sandbox.read("swaps.lock.json"))
    try await emulator.configure(#"{"jobDurationMs":3600000}"#)
    try sandbox.writeManifest(feature)
    let run = try Crash.Run(["sync", "--poll-interval", "20ms"], in: sandbox, emulator: emulator)
    #expect(
      try await Crash.eventually {
        String(decoding: sandbox.read("out/.swapsync/journal.jsonl") ?? Data(), as: UTF8.self)
          .contains("\"running\"")
      })
    run.killHard()
    _ = await run.finish()

    try sandbox.writeManifest(main)
    let refused = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(refused.stderr.contains("does not name with those inputs (a.png)"), "\(refused.stderr)")
    #expect(sandbox.read("swaps.lock.json") == lockfile)

    try sandbox.writeManifest(feature)
    try await emulator.finishAllJobs()
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(try await emulator.stats().jobsCreated == 2)
  }
}
