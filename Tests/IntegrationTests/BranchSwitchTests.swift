import Foundation
import SwapSyncKit
import Testing

/// An output folder that is not committed keeps its files when git switches branches: files
/// swapsync installed are known by their content (`ResultLedger`, docs/states.md), so a result
/// for other inputs is never adopted as this output's image, and one for the same inputs is
/// recorded with its job, not as an adopted file without one.
@Suite("a branch switched under the output folder", .timeLimit(.minutes(3)))
struct BranchSwitchTests {
  @Test(
    "another branch's result: recorded with its job for the same inputs; for other inputs archived when this branch's is bought, and back from there"
  )
  func otherBranchesResults() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach")
    let alice = emulator.sample("face-alice"), bob = emulator.sample("face-bob")
    // Branch "alice": a.png bought for alice and synced; its lockfile stays on that branch.
    try sandbox.writeManifest([("a.png", beach, alice)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let aliceLock = try #require(sandbox.read("swaps.lock.json"))
    let aliceResult = try #require(sandbox.read("out/a.png"))
    let jobId = try #require(try await Faults.statuses(sandbox)["a.png"]?.jobId)
    let requests = try await emulator.stats().apiRequests

    // A branch that wants alice's pair but never synced it: recorded with alice's job, not adopted.
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    let same = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(same.stdout.contains("the result of job \(jobId) for these inputs"), "\(same.stdout)")
    let recorded = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(recorded.status == 0, "\(recorded.stderr)")
    // Merged with alice's branch, the two records agree byte for byte: no conflict.
    #expect(sandbox.read("swaps.lock.json") == aliceLock)
    #expect(try await emulator.stats().apiRequests == requests)

    // Branch "bob", which never synced: a.png is wanted for bob; the file is alice's result. It is
    // swapsync's own, so bob's is bought as for any new output, and alice's archived on the way.
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try sandbox.writeManifest([("a.png", beach, bob)])
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 75, "\(status.stdout)")
    #expect(
      status.stdout.contains("the result of job \(jobId) for other inputs, is kept in .swapsync/replaced/"),
      "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   1"), "\(plan.stdout)")
    let bought = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(bought.status == 0, "\(bought.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
    #expect(Array(sandbox.files(under: "out/.swapsync/replaced").values) == [aliceResult])

    // Branch "alice" again, its lockfile lost too: alice's result comes back from where it was
    // archived, with alice's record, byte for byte, and no request.
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try sandbox.writeManifest([("a.png", beach, alice)])
    let back = try await emulator.stats().apiRequests
    let restored = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(sandbox.read("out/a.png") == aliceResult)
    #expect(sandbox.read("swaps.lock.json") == aliceLock)
    #expect(try await emulator.stats().apiRequests == back)
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
    // Their rows say so too, not that `prune` would forget them (trial 42).
    let rows = try await Faults.statuses(sandbox)
    for output in ["c.png", "d.png"] {
      #expect(rows[output]?.status == .orphan)
      #expect(rows[output]?.detail?.contains("`sync` and `prune` refuse that journal") == true, "\(rows)")
    }
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

  @Test(
    "a run killed between recording a changed output's new result and renaming it over the old one: the next run finishes the install, the old result archived"
  )
  func killedBetweenIntentAndRename() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let beach = emulator.sample("target-beach")
    let alice = emulator.sample("face-alice"), bob = emulator.sample("face-bob")
    // Bob's job and result, bought elsewhere (the job exists at TTAPI, its checksum is known).
    let elsewhere = try Sandbox()
    try elsewhere.writeManifest([("a.png", beach, bob)])
    #expect(try await elsewhere.swapsync(Faults.sync, emulator: emulator).status == 0)
    let bobResult = try #require(elsewhere.read("out/a.png"))
    // Here: a.png holds alice's result, and the record says what a run killed just before the
    // rename leaves: bob's job, running, with its result's checksum (the install intent).
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", beach, alice)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let aliceResult = try #require(sandbox.read("out/a.png"))
    try sandbox.writeManifest([("a.png", beach, bob)])
    let lock = String(decoding: try #require(elsewhere.read("swaps.lock.json")), as: UTF8.self)
    try sandbox.write(
      "swaps.lock.json",
      lock.replacingOccurrences(of: "\"state\" : \"done\"", with: "\"state\" : \"running\""))
    let jobs = try await emulator.stats().jobsCreated

    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 75, "not untracked: \(status.stdout)")
    let finished = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(sandbox.read("out/a.png") == bobResult)
    #expect(Array(sandbox.files(under: "out/.swapsync/replaced").values) == [aliceResult])
    #expect(try await emulator.stats().jobsCreated == jobs, "nothing bought")
  }

  @Test(
    "swapsync's result for other inputs where the lockfile records it as adopted: status, plan and sync agree it is the user's to move"
  )
  func adoptedResultOfOtherInputs() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach")
    try sandbox.writeManifest([("a.png", beach, emulator.sample("face-alice"))])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // The lockfile rebuilt by adoption while the ledger was gone: an adopted record of alice's pair.
    let ledger = try #require(sandbox.read("out/.swapsync/results.jsonl"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/.swapsync/results.jsonl"))
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    #expect(try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator).status == 0)
    try ledger.write(to: URL(fileURLWithPath: sandbox.path("out/.swapsync/results.jsonl")))
    try sandbox.writeManifest([("a.png", beach, emulator.sample("face-bob"))])

    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(
      status.stdout.contains("for other inputs, where this lockfile records an adopted file"),
      "\(status.stdout)")
    #expect(!status.stdout.contains("--adopt"), "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(
      plan.stdout.contains("untracked a.png (swapsync's result for other inputs: not adopted)"),
      "\(plan.stdout)")
    let jobs = try await emulator.stats().jobsCreated
    let refused = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(refused.status == 1, "\(refused.stderr)")
    #expect(try await emulator.stats().jobsCreated == jobs)
  }

  @Test(
    "another branch's result at one output of a pair is copied to its other outputs, nothing bought; --adopt then records it with its job"
  )
  func otherBranchesResultServesSiblings() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), alice = emulator.sample("face-alice")
    try sandbox.writeManifest([("a.png", beach, alice)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let aliceLock = try #require(sandbox.read("swaps.lock.json"))
    let result = try #require(sandbox.read("out/a.png"))
    let jobId = try #require(try await Faults.statuses(sandbox)["a.png"]?.jobId)
    let requests = try await emulator.stats().apiRequests

    // A branch that never synced, with b.png for the same inputs: a.png's file is that pair's result.
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try sandbox.writeManifest([("a.png", beach, alice), ("b.png", beach, alice)])
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(
      status.stdout.contains(
        "its inputs are those of the result of job \(jobId), which swapsync installed at a.png"),
      "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  b.png (copy of a.png)"), "\(plan.stdout)")
    let copied = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(copied.status == 1, "\(copied.stderr)")  // a.png stays untracked until adopted
    #expect(sandbox.read("out/b.png") == result)
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(try await emulator.stats().jobsCreated == 1)

    // Adopted, a.png gets its job too: both records are the buying run's, byte for byte.
    #expect(try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator).status == 0)
    let bought = try #require(try LockfileCodec.decode(Array(aliceLock), path: "alice").entries["a.png"])
    let lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    #expect(lock.entries == ["a.png": bought, "b.png": bought])
    #expect(try await emulator.stats().apiRequests == requests)
  }

  @Test(
    "an older lockfile checked out whose running jobs a later run collected: their results are recorded from the files, nothing fetched or given up"
  )
  func olderLockfileWithRunningJobs() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    // The commit of a `--no-wait` run (cron): both jobs running.
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    let running = try #require(sandbox.read("swaps.lock.json"))
    // The next commit: a later run collected them.
    try await emulator.finishAllJobs()
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let done = try #require(sandbox.read("swaps.lock.json"))
    let requests = try await emulator.stats().apiRequests
    // `git checkout HEAD~1` of the lockfile; the outputs (not committed) stay.
    try running.write(to: URL(fileURLWithPath: sandbox.path("swaps.lock.json")))

    let rows = try await Faults.statuses(sandbox)
    for output in ["a.png", "b.png"] {
      #expect(rows[output]?.status == .running, "\(output): \(rows)")
      #expect(rows[output]?.detail?.contains("its job's result is already at \(output)") == true, "\(rows)")
    }
    let plan = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(plan.stdout.contains("restore  a.png (its result is already at a.png)"), "\(plan.stdout)")
    #expect(!plan.stdout.contains("gives up"), "\(plan.stdout)")
    let synced = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(!synced.stderr.contains("given up"), "\(synced.stderr)")
    #expect(sandbox.read("swaps.lock.json") == done, "the records of the run that collected them")
    #expect(try await emulator.stats().apiRequests == requests)
  }

  @Test(
    "an older lockfile's running job, collected before and its file gone: fetched again for free, its quota not counted again"
  )
  func olderLockfileRunningJobCollectedBefore() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    let running = try #require(sandbox.read("swaps.lock.json"))
    try await emulator.finishAllJobs()
    let collected = try await sandbox.swapsync(Faults.sync + ["--json"], emulator: emulator)
    #expect(CacheSupport.summary(collected)["quotaSpent"] as? Int == 2, "\(collected.stdout)")
    try running.write(to: URL(fileURLWithPath: sandbox.path("swaps.lock.json")))
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))

    let again = try await sandbox.swapsync(Faults.sync + ["--json"], emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(CacheSupport.summary(again)["downloaded"] as? Int == 1, "\(again.stdout)")
    #expect(
      CacheSupport.summary(again)["quotaSpent"] as? Int == 0, "charged once, counted once: \(again.stdout)")
    #expect(try await emulator.stats().jobsCreated == 1)
  }
}
