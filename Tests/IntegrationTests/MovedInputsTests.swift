import Foundation
import SwapSyncKit
import Testing

/// Inputs moved between outputs the manifest keeps: an output whose new inputs are those another
/// output had gets that output's finished result, copied before it is replaced (or read back
/// from `.swapsync/replaced/` after), with the record of the run that bought it: nothing is bought
/// again (docs/lockfile.md, "Orphans").
@Suite("inputs moved between outputs", .timeLimit(.minutes(3)))
struct MovedInputsTests {
  @Test("two outputs swap their inputs: plan and sync buy nothing; files and records trade places")
  func swappedInputs() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a, b])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let before = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    let (aBytes, bBytes) = (try #require(sandbox.read("out/a.png")), try #require(sandbox.read("out/b.png")))
    let requests = try await emulator.stats().apiRequests

    try sandbox.writeManifest([("a.png", b.1, b.2), ("b.png", a.1, a.2)])
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("are those b.png had, whose result"), "\(status.stdout)")
    #expect(status.stdout.contains("are those a.png had, whose result"), "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  a.png (copy of b.png)"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  b.png (copy of a.png)"), "\(plan.stdout)")
    let swapped = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(swapped.status == 0, "\(swapped.stderr)")
    #expect(sandbox.read("out/a.png") == bBytes)
    #expect(sandbox.read("out/b.png") == aBytes)
    #expect(try await emulator.stats().apiRequests == requests)
    let after = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    #expect(after.entries["a.png"] == before.entries["b.png"])
    #expect(after.entries["b.png"] == before.entries["a.png"])
    // Swapped back: the same again, from the files each output now holds.
    try sandbox.writeManifest([a, b])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(sandbox.read("out/a.png") == aBytes)
    #expect(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")) == before)
    #expect(try await emulator.stats().apiRequests == requests)
  }

  @Test("an output's inputs moved to a new output: copied there; the old output's new inputs are bought")
  func movedToANewOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let result = try #require(sandbox.read("out/a.png"))
    let record = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json"))?.entries["a.png"])

    try sandbox.writeManifest([("a.png", b.1, b.2), ("c.png", a.1, a.2)])
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   1"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  c.png (copy of a.png)"), "\(plan.stdout)")
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(sandbox.read("out/c.png") == result)
    #expect(try await emulator.stats().jobsCreated == 2)
    let lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    #expect(lock.entries["c.png"] == record)
    #expect(lock.entries["a.png"]?.pair == SwapPair(targetImage: b.1, swapImage: b.2))
  }

  @Test(
    "a swap where one output's file was edited: its job is fetched again for the other, the edit left as it is"
  )
  func swapWithAnEditedOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a, b])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let bBytes = try #require(sandbox.read("out/b.png"))
    let edit = Data("the user's edit of b.png".utf8)
    try edit.write(to: URL(fileURLWithPath: sandbox.path("out/b.png")))
    try sandbox.writeManifest([("a.png", b.1, b.2), ("b.png", a.1, a.2)])
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("sync fetches again"), "\(status.stdout)")
    #expect(
      try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1, "b.png's edit is the user's")
    #expect(sandbox.read("out/a.png") == bBytes, "fetched again from b.png's job")
    #expect(sandbox.read("out/b.png") == edit)
    #expect(try await emulator.stats().jobsCreated == 2)
  }
}
