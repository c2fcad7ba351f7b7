import Foundation
import Testing

/// `swapsync prune`: deletes only files swapsync wrote whose entry left the manifest.
@Suite("prune", .timeLimit(.minutes(3)))
struct PruneTests {
  @Test("orphans are listed by --dry-run, capped by --max-delete, deleted by prune; edited files are kept")
  func pruneOrphans() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), office = emulator.sample("target-office")
    let alice = emulator.sample("face-alice"), bob = emulator.sample("face-bob")
    try sandbox.writeManifest([
      ("keep.png", beach, alice), ("gone.png", office, alice), ("edited.png", beach, bob),
    ])
    #expect(try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator).status == 0)
    try sandbox.write("out/edited.png", "the user's own bytes now")
    try sandbox.writeManifest([("keep.png", beach, alice)])

    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("orphan"))
    let dryRun = try await sandbox.swapsync(["prune", "--dry-run"], emulator: nil)
    #expect(dryRun.stdout.contains("would delete gone.png"), "\(dryRun.stdout)")
    #expect(sandbox.exists("out/gone.png"))

    // Over the cap, --dry-run still lists what prune would delete, and says how to allow it.
    let over = try await sandbox.swapsync(["prune", "--dry-run", "--max-delete", "0"], emulator: nil)
    #expect(over.status == 1 && over.stdout.contains("would delete gone.png"), "\(over.stdout)")
    #expect(over.stderr.contains("pass --max-delete 1"), "\(over.stderr)")
    let capped = try await sandbox.swapsync(["prune", "--max-delete", "0"], emulator: nil)
    #expect(capped.status == 1)
    #expect(capped.stderr.contains("--max-delete"))
    #expect(sandbox.exists("out/gone.png"))

    let pruned = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned.stdout.contains("deleted gone.png"))
    #expect(pruned.stderr.contains("kept edited.png"))
    #expect(!sandbox.exists("out/gone.png"))
    #expect(sandbox.read("out/edited.png") == Data("the user's own bytes now".utf8))
    #expect(isPNG(sandbox.read("out/keep.png")))
    let lock = String(decoding: try #require(sandbox.read("swaps.lock.json")), as: UTF8.self)
    #expect(!lock.contains("gone.png"))
    #expect(
      lock.contains("edited.png"), "a file swapsync did not write stays recorded until the user decides")
    #expect(try await emulator.stats().apiRequests > 0)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 1, "edited.png differs")
  }

  @Test("an adopted orphan's file is never deleted: prune forgets its entry and leaves the file")
  func adoptedOrphanFileStays() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try UntrackedTests.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))
    #expect(try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator).status == 0)
    try sandbox.writeManifest([])
    let dryRun = try await sandbox.swapsync(["prune", "--dry-run"], emulator: nil)
    #expect(dryRun.status == 0, "\(dryRun.stderr)")
    #expect(!dryRun.stdout.contains("would delete a.png"), "\(dryRun.stdout)")
    #expect(
      dryRun.stdout.contains("would forget a.png (adopted: swapsync did not write it"), "\(dryRun.stdout)")
    let pruned = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned.status == 0, "\(pruned.stderr)")
    #expect(pruned.stdout.contains("forgot a.png (adopted"), "\(pruned.stdout)")
    #expect(sandbox.read("out/a.png") == UntrackedTests.userPNG, "the user's file was deleted")
    let lock = String(decoding: try #require(sandbox.read("swaps.lock.json")), as: UTF8.self)
    #expect(!lock.contains("a.png"), "\(lock)")
    #expect(try await emulator.stats().jobsCreated == 0)
  }

  @Test("an orphan whose paid job is still running is kept by prune until an output collects its job")
  func runningOrphanIsKept() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "200ms"])
    let sandbox = try Sandbox()
    let entry = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([entry])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try sandbox.writeManifest([])
    let pruned = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned.status == 1, "\(pruned.stdout)")
    #expect(pruned.stderr.contains("kept a.png: its job "), "\(pruned.stderr)")
    #expect(pruned.stderr.contains("is paid and its result not collected yet"), "\(pruned.stderr)")
    // Collected under a new name, the job is no longer the orphan's to keep.
    try sandbox.writeManifest([("renamed.png", entry.1, entry.2)])
    let collected = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(collected.status == 0, "\(collected.stderr)")
    #expect(isPNG(sandbox.read("out/renamed.png")))
    #expect(try await emulator.stats().jobsCreated == 1)
    let pruned2 = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned2.status == 0, "\(pruned2.stderr)")
    #expect(pruned2.stdout.contains("forgot a.png"), "\(pruned2.stdout)")
  }

  @Test(
    "prune keeps an orphan whose inputs a renamed output still waits for, then deletes it once it is copied")
  func orphanOfARenamedOutputIsKeptUntilSynced() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let entry = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([entry])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try sandbox.writeManifest([("renamed.png", entry.1, entry.2)])
    let early = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(early.status == 1, "\(early.stdout)")
    #expect(
      early.stderr.contains("kept a.png: renamed.png has the same inputs and no result yet"),
      "\(early.stderr)")
    #expect(sandbox.exists("out/a.png"))
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("so `swapsync prune` keeps it until then"), "\(status.stdout)")
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(isPNG(sandbox.read("out/renamed.png")))
    let pruned = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned.status == 0, "\(pruned.stderr)")
    #expect(pruned.stdout.contains("deleted a.png"), "\(pruned.stdout)")
    #expect(try await emulator.stats().jobsCreated == 1)
  }

  @Test(
    "the orphan of a renamed uncertain output is forgotten once the new name holds its need for --resubmit")
  func orphanWhoseDecisionTheHeirHolds() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    try await emulator.configure(#"{"faults":[{"endpoint":"submit","kind":"http500","count":1}]}"#)
    let sandbox = try Sandbox()
    let entry = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([entry])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    try sandbox.writeManifest([("renamed.png", entry.1, entry.2)])
    // Before a sync the orphan is the only record that the pair was paid for: kept.
    #expect(try await sandbox.swapsync(["prune"], emulator: nil).status == 1)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    #expect(try await Faults.statuses(sandbox)["renamed.png"]?.status == .uncertain)
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(!status.stdout.contains("keeps it until then"), "\(status.stdout)")
    let pruned = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned.status == 0, "\(pruned.stderr)")
    #expect(pruned.stdout.contains("forgot a.png"), "\(pruned.stdout)")
    #expect(try await Faults.statuses(sandbox)["renamed.png"]?.status == .uncertain)
    #expect(try await emulator.stats().submits == 1)
  }

  @Test(
    "a renamed output whose followed job fails: no later run stops on the orphan's running record; prune forgets it"
  )
  func orphanWhoseJobTheHeirSawFail() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "300ms", "--fail-when", "face-bob=boom"])
    let sandbox = try Sandbox()
    let entry = ("a.png", emulator.sample("target-beach"), emulator.sample("face-bob"))
    try sandbox.writeManifest([entry])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try sandbox.writeManifest([("sub/b.png", entry.1, entry.2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    #expect(try await Faults.statuses(sandbox)["sub/b.png"]?.status == .failed)
    // The orphan's record still says running: it is behind the heir's, not a job to follow again.
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 1, "\(again.stderr)")
    #expect(!again.stderr.contains("internal error"), "\(again.stderr)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("blocked  sub/b.png (failed)"), "\(plan.stdout)")
    let pruned = try await sandbox.swapsync(["prune"], emulator: nil)
    #expect(pruned.status == 0, "\(pruned.stderr)")
    #expect(pruned.stdout.contains("forgot a.png"), "\(pruned.stdout)")
    let retried = try await sandbox.swapsync(["plan", "--resubmit", "failed"], emulator: nil)
    #expect(retried.stdout.contains("submits:   1"), "\(retried.stdout)")
    #expect(try await emulator.stats().jobsCreated == 1)
  }
}
