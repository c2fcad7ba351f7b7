import Foundation
import SwapSyncKit
import Testing

/// A restore re-downloads a result whose checksum the lockfile records (docs/states.md): bytes
/// that differ are never installed, the committed record is never rewritten from them, and a
/// failed restore never ends a paid entry, however many runs it fails in.
@Suite("restore integrity", .timeLimit(.minutes(3)))
struct RestoreIntegrityTests {
  @Test(
    "a restore that gets other bytes than the lockfile records installs nothing and keeps the record, run after run"
  )
  func otherBytesAreRefused() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let first = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    let lockfile = try #require(sandbox.read("swaps.lock.json"))
    let original = try #require(sandbox.read("out/a.png"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))

    // Every result URL now serves a well-formed PNG head that is not the job's result.
    try await emulator.configure(
      #"{"faults":[{"endpoint":"cdn","kind":"oversizeBody","arg":"2KiB"},{"endpoint":"discord","kind":"oversizeBody","arg":"2KiB"}]}"#
    )
    for run in 1...(Lifecycle.unusableRunLimit + 1) {
      let result = try await sandbox.swapsync(Faults.sync, emulator: emulator)
      #expect(result.status == 75, "run \(run): \(result.stderr)")
      #expect(result.stderr.contains("is not the one the lockfile records"), "run \(run): \(result.stderr)")
      #expect(result.stderr.contains("the lockfile keeps its record"), "run \(run): \(result.stderr)")
      #expect(sandbox.read("swaps.lock.json") == lockfile, "run \(run) rewrote the lockfile")
      #expect(sandbox.read("out/a.png") == nil, "run \(run) installed other bytes")
      #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .modified)
    }

    try await emulator.configure(#"{"faults":[]}"#)
    let repaired = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(repaired.status == 0, "\(repaired.stderr)")
    #expect(sandbox.read("out/a.png") == original)
    #expect(sandbox.read("swaps.lock.json") == lockfile)
    let stats = try await emulator.stats()
    #expect(stats.submits == 2 && stats.jobsCreated == 2)
  }
}
