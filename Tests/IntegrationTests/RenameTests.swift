import Foundation
import SwapSyncKit
import Testing

/// Renamed outputs and changed inputs: a paid job is neither lost nor bought again
/// (docs/lockfile.md, "Orphans").
@Suite("renamed outputs", .timeLimit(.minutes(5)))
struct RenameTests {
  /// x.png and y.png on two pairs, both running at TTAPI (jobs of an hour): the emulator, the
  /// sandbox, the pairs (target, face) and the job id of each output.
  static func twoRunningOutputs() async throws -> (Emulator, Sandbox, [(String, String)], [String: String]) {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    let pairs = Faults.entries(emulator, count: 2).map { ($0.1, $0.2) }
    try sandbox.writeManifest([("x.png", pairs[0].0, pairs[0].1), ("y.png", pairs[1].0, pairs[1].1)])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    return (emulator, sandbox, pairs, try await Faults.statuses(sandbox).mapValues { $0.jobId ?? "" })
  }

  @Test(
    "changed inputs whose new job outlives the run: the old file stays ours and is replaced, not untracked")
  func staleOutputWithAJobRunningPastTheRun() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "300ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let old = try #require(sandbox.read("out/a.png"))
    try sandbox.writeManifest([("a.png", b.1, b.2)])
    let started = try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(started.status == 75, "\(started.stderr)")
    #expect(!started.stderr.contains("untracked"), "\(started.stderr)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("running"), "\(status.stdout)")
    let collected = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(collected.status == 0, "\(collected.stderr)")
    let new = try #require(sandbox.read("out/a.png"))
    #expect(isPNG(new) && new != old)
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "changed inputs of a running entry: plan, status and sync name the job given up; put back, it is kept")
  func changedInputsOfARunningEntryNameTheJobGivenUp() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    let jobId = try #require(try await Faults.statuses(sandbox)["a.png"]?.jobId)
    try sandbox.writeManifest([("a.png", b.1, b.2)])
    let preview = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(
      preview.stdout.contains("submit   a.png (stale; gives up running job \(jobId))"), "\(preview.stdout)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("will not be collected"), "\(status.stdout)")
    // The columns line up under the header, also for an output shorter than "OUTPUT".
    let rows = status.stdout.split(separator: "\n").map(String.init)
    #expect(
      rows.count == 2
        && rows[0].firstRange(of: "STATE")?.lowerBound.utf16Offset(in: rows[0])
          == rows[1].firstRange(of: "stale")?.lowerBound.utf16Offset(in: rows[1]),
      "\(status.stdout)")
    // Put back before a sync: the job is followed again, nothing is bought.
    try sandbox.writeManifest([a])
    let kept = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(kept.stdout.contains("poll     a.png (job \(jobId))"), "\(kept.stdout)")
    try sandbox.writeManifest([("a.png", b.1, b.2)])
    let run = try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(run.status == 75, "\(run.stderr)")
    #expect(run.stderr.contains("job \(jobId), bought for the manifest's old inputs"), "\(run.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "inputs changed to another output's: its job is taken and the old one named as given up; a job a twin keeps is not"
  )
  func changedInputsToAnotherOutputsPair() async throws {
    let (emulator, sandbox, pairs, jobs) = try await Self.twoRunningOutputs()
    // x.png now wants y.png's pair: it takes job B, and its own job A is given up.
    try sandbox.writeManifest([("x.png", pairs[1].0, pairs[1].1), ("y.png", pairs[1].0, pairs[1].1)])
    let preview = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(preview.stdout.contains("submits:   0 "), "\(preview.stdout)")
    #expect(preview.stdout.contains("gives up running job \(jobs["x.png"]!)"), "\(preview.stdout)")
    let status = try await Faults.statuses(sandbox)
    #expect(status["x.png"]?.detail?.contains("whose job \(jobs["y.png"]!) it takes (no new job)") == true)
    #expect(status["x.png"]?.detail?.contains("job \(jobs["x.png"]!), bought for the old inputs") == true)
    let run = try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(run.stderr.contains("job \(jobs["x.png"]!), bought for its old inputs"), "\(run.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
    // x.png holds job B itself now: y.png changing its inputs before B is collected loses nothing.
    #expect(try await Faults.statuses(sandbox)["x.png"]?.jobId == jobs["y.png"])
    let other = Faults.entries(emulator, count: 3)[2]
    try sandbox.writeManifest([("x.png", pairs[1].0, pairs[1].1), ("y.png", other.1, other.2)])
    let moved = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(!moved.stdout.contains("gives up"), "\(moved.stdout)")
    try await emulator.finishAllJobs()
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try await emulator.finishAllJobs()
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let stats = try await emulator.stats()
    #expect(stats.jobs(target: pairs[1].0, face: pairs[1].1) == 1, "pair B bought again")

    // The reverse: twins share one job; one of them leaves the pair the other still wants. The
    // job is the other's to collect: not given up.
    let twins = try Sandbox()
    let third = Faults.entries(emulator, count: 3)[2]
    try twins.writeManifest([("p.png", pairs[0].0, pairs[0].1), ("q.png", pairs[0].0, pairs[0].1)])
    #expect(try await twins.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try twins.writeManifest([("p.png", third.1, third.2), ("q.png", pairs[0].0, pairs[0].1)])
    let second = try await twins.swapsync(["plan"], emulator: nil)
    #expect(second.stdout.contains("submit   p.png (stale)"), "\(second.stdout)")
    #expect(!second.stdout.contains("gives up"), "\(second.stdout)")
    let bought = try await twins.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(!bought.stderr.contains("given up"), "\(bought.stderr)")
    // A and C (the first part's, and these twins' own), B once.
    #expect(try await emulator.stats().jobsCreated == 5)
  }

  @Test(
    "running jobs given up by a one-step swap, or by taking a renamed output's job, are named by sync too")
  func givenUpBySwapOrByAnOrphansJob() async throws {
    let (emulator, sandbox, pairs, jobs) = try await Self.twoRunningOutputs()
    // A one-step swap is a change of inputs for both (docs/lockfile.md): both jobs are given up, and said.
    let swap = try Sandbox()
    try FileManager.default.copyItem(
      atPath: sandbox.path("swaps.lock.json"), toPath: swap.path("swaps.lock.json"))
    try swap.writeManifest([("x.png", pairs[1].0, pairs[1].1), ("y.png", pairs[0].0, pairs[0].1)])
    let preview = try await swap.swapsync(["plan"], emulator: nil)
    for output in ["x.png", "y.png"] {
      #expect(preview.stdout.contains("gives up running job \(jobs[output]!)"), "\(preview.stdout)")
    }
    // y.png takes the job of x.png, now gone from the manifest: its own job is given up, and said.
    try sandbox.writeManifest([("y.png", pairs[0].0, pairs[0].1)])
    let run = try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(run.stderr.contains("job \(jobs["y.png"]!), bought for its old inputs"), "\(run.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test("a renamed output keeps its orphan's running job and uncertain decision when the old name comes back")
  func renamedOutputsKeepTheirJobWhenTheOldNameReturns() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    let pairs = Faults.entries(emulator, count: 3).map { ($0.1, $0.2) }
    // b.png's job runs for an hour; u.png's submit answer is lost (uncertain).
    try await emulator.configure(#"{"faults":[{"endpoint":"submit","kind":"ambiguousSubmit","count":1}]}"#)
    try sandbox.writeManifest([("u.png", pairs[0].0, pairs[0].1)])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 1)
    try sandbox.writeManifest([("u.png", pairs[0].0, pairs[0].1), ("b.png", pairs[1].0, pairs[1].1)])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 1)
    // Renamed: z.png takes b.png's running job, w.png u.png's uncertain decision.
    try sandbox.writeManifest([("w.png", pairs[0].0, pairs[0].1), ("z.png", pairs[1].0, pairs[1].1)])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 1)
    // The old names come back with other inputs.
    try sandbox.writeManifest([
      ("w.png", pairs[0].0, pairs[0].1), ("z.png", pairs[1].0, pairs[1].1), ("b.png", pairs[2].0, pairs[2].1),
      ("u.png", pairs[2].0, pairs[2].1),
    ])
    let preview = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(preview.stdout.contains("poll     z.png"), "\(preview.stdout)")
    #expect(preview.stdout.contains("blocked  w.png (uncertain)"), "\(preview.stdout)")
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 1)
    let stats = try await emulator.stats()
    for (target, face) in pairs { #expect(stats.jobs(target: target, face: face) == 1, "\(target)") }
  }

  @Test(
    "a renamed output keeps a failed orphan's decision when the old name comes back, in a run with nothing else to do"
  )
  func renamedFailedOutputKeepsItsDecision() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "20ms", "--fail-when", "face-bob=boom"])
    let sandbox = try Sandbox()
    let failing = (emulator.sample("target-beach"), emulator.sample("face-bob"))
    let other = (emulator.sample("target-office"), emulator.sample("face-alice"))
    try sandbox.writeManifest([("a.png", failing.0, failing.1)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    // Renamed: the run has only the blocked decision to record.
    try sandbox.writeManifest([("c.png", failing.0, failing.1)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    let lock = String(decoding: try #require(sandbox.read("swaps.lock.json")), as: UTF8.self)
    #expect(lock.contains("\"c.png\""), "c.png holds the failed record itself: \(lock)")
    // The old name comes back with other inputs: c.png still waits for --resubmit failed.
    try sandbox.writeManifest([("c.png", failing.0, failing.1), ("a.png", other.0, other.1)])
    let run = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(run.status == 1, "\(run.stderr)")
    let stats = try await emulator.stats()
    #expect(stats.jobs(target: failing.0, face: failing.1) == 1)
    #expect(stats.jobs(target: other.0, face: other.1) == 1)
  }

  @Test("renaming an output buys nothing: the orphan's file is copied, or its job fetched again when gone")
  func renamedOutputsAreNotBoughtAgain() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a, b])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let bytes = try #require(sandbox.read("out/a.png"))
    // a.png renamed; b.png renamed and its old file deleted by hand.
    try FileManager.default.removeItem(atPath: sandbox.path("out/b.png"))
    try sandbox.writeManifest([("sub/a2.png", a.1, a.2), ("b2.png", b.1, b.2)])
    let preview = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(preview.stdout.contains("restore  sub/a2.png (copy of a.png)"), "\(preview.stdout)")
    #expect(preview.stdout.contains("restore  b2.png (download from job"), "\(preview.stdout)")
    #expect(preview.stdout.contains("submits:   0"), "\(preview.stdout)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("instead of buying it again"), "\(status.stdout)")
    let fetchesBefore = try await emulator.stats().requests["fetch"] ?? 0
    let run = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(run.status == 0, "\(run.stderr)")
    let stats = try await emulator.stats()
    #expect(stats.jobsCreated == 2)
    #expect(stats.requests["fetch"] == fetchesBefore + 1)
    #expect(sandbox.read("out/sub/a2.png") == bytes)
    #expect(isPNG(sandbox.read("out/b2.png")))
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }
}
