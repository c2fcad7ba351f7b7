import Foundation
import Testing

/// `status` and `plan` say for each output what `sync` will do about it (docs/states.md).
@Suite("status and plan say what sync will do", .timeLimit(.minutes(3)))
struct StatusDetailTests {
  @Test(
    "a deleted output whose twin holds the same result: status says it is copied from the twin, and sync does that"
  )
  func copiedFromTwin() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let pair = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([("a.png", pair.1, pair.2), ("twin.png", pair.1, pair.2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let result = try #require(sandbox.read("out/twin.png"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/twin.png"))
    let requests = try await emulator.stats().apiRequests

    let row = try #require(try await Faults.statuses(sandbox)["twin.png"])
    #expect(row.status == .modified)
    #expect(
      row.detail?.contains("it will be copied from a.png, which holds the same result") == true, "\(row)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("restore  twin.png (copy of a.png)"), "\(plan.stdout)")
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(sandbox.read("out/twin.png") == result)
    #expect(try await emulator.stats().apiRequests == requests)
  }

  @Test(
    "plan --adopt of a file at one twin: the other twin is a copy of it, as sync --adopt makes it; nothing bought"
  )
  func adoptedTwin() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let pair = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([("a.png", pair.1, pair.2), ("twin.png", pair.1, pair.2)])
    let mine = UntrackedTests.userPNG
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try mine.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))

    let plan = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  twin.png (copy of a.png)"), "\(plan.stdout)")
    #expect(plan.stdout.contains("adopt     a.png"), "\(plan.stdout)")
    #expect(try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator).status == 0)
    #expect(sandbox.read("out/twin.png") == mine)
    #expect(try await emulator.stats().jobsCreated == 0)
  }
}
