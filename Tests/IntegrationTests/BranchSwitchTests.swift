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
    // Merged with alice's branch, the two records agree: the same job and the same bytes.
    let aliceRecord = try #require(
      String(decoding: aliceLock, as: UTF8.self).split(separator: "\n").first { $0.contains("sha256") })
    #expect(lock.contains(aliceRecord), "\(lock)")
  }
}
