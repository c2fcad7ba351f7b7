import Foundation
import SwapSyncKit
import Testing

/// Hand edits of the lockfile that point one output's record at another output's result: never
/// an image installed for other inputs, and `status`, `plan` and `sync` agree (docs/lockfile.md).
@Suite("lockfile records pointing at another output's result", .timeLimit(.minutes(3)))
struct LockfileEditTests {
  @Test(
    "a checksum and size edited to another output's: no copy of that output, the job's download is refused naming the lockfile"
  )
  func checksumOfAnotherOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    var lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    // A bad merge: a.png's record keeps its job and inputs, with b.png's result (the bytes b.png holds).
    let other = lock.entries["b.png"]
    lock.entries["a.png"]?.sha256 = other?.sha256
    lock.entries["a.png"]?.size = other?.size
    _ = try LockfileCodec.write(lock, to: sandbox.path("swaps.lock.json"), unlessDigest: nil)
    let edited = try #require(sandbox.read("swaps.lock.json"))
    let (a, b) = (try #require(sandbox.read("out/a.png")), try #require(sandbox.read("out/b.png")))

    let row = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(row.status == .modified && row.detail?.contains("downloaded again from the recorded job") == true)
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("restore  a.png (download from job"), "\(plan.stdout)")
    let synced = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(synced.status == 75, "\(synced.stderr)")
    #expect(synced.stderr.contains("is not the one the lockfile records"), "\(synced.stderr)")
    #expect(sandbox.read("out/a.png") == a && sandbox.read("out/b.png") == b, "nothing copied over a.png")
    #expect(sandbox.read("swaps.lock.json") == edited)
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a record given another output's job and result, that output gone from the lockfile: the results ledger tells, nothing is installed"
  )
  func jobOfAnotherOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a, b])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // A bad merge: b.png left the manifest and the lockfile, and a.png's record took its job and result.
    try sandbox.writeManifest([a])
    var lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    let other = try #require(lock.entries["b.png"])
    lock.entries["b.png"] = nil
    lock.entries["a.png"]?.jobId = other.jobId
    lock.entries["a.png"]?.sha256 = other.sha256
    lock.entries["a.png"]?.size = other.size
    _ = try LockfileCodec.write(lock, to: sandbox.path("swaps.lock.json"), unlessDigest: nil)
    let edited = try #require(sandbox.read("swaps.lock.json"))
    let original = try #require(sandbox.read("out/a.png"))
    let requests = try await emulator.stats().apiRequests

    let wrong = "but this folder bought that job for target \(b.1)"
    let row = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(row.detail?.contains(wrong) == true, "\(row)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(
      plan.status == 1 && plan.stdout.contains("blocked  a.png (the lockfile records job"), "\(plan.stdout)")
    for run in 1...2 {
      let synced = try await sandbox.swapsync(Faults.sync, emulator: emulator)
      #expect(synced.status == 1 && synced.stderr.contains(wrong), "run \(run): \(synced.stderr)")
      #expect(sandbox.read("out/a.png") == original, "run \(run): nothing installed over a.png")
      #expect(sandbox.read("swaps.lock.json") == edited, "run \(run)")
    }
    #expect(try await emulator.stats().apiRequests == requests)
  }
}
