import Foundation
import SwapSyncKit
import Testing

/// `sync`, `status` and `plan` answer from the no-op index when nothing changed since a run ended
/// in sync, say exactly what the full path says, and stop trusting it at the first change
/// (docs/performance.md).
@Suite("no-op index, end to end", .timeLimit(.minutes(5)))
struct NoopIndexCommandTests {
  /// The commands whose output must not depend on whether the index was used.
  static let readers: [[String]] = [
    ["status"], ["status", "--json"], ["status", "--state", "orphan"], ["plan"], ["plan", "--json"],
  ]

  @Test("from the index, sync/status/plan print what the full path prints; a deleted output is seen")
  func indexAgreesWithFullPath() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let swaps =
      Faults.twoEntries(emulator) + [
        ("c.png", emulator.sample("target-beach"), emulator.sample("face-bob"))
      ]
    try sandbox.writeManifest(swaps)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // c.png leaves the manifest: an orphan, which status lists and plan counts.
    try sandbox.writeManifest(Array(swaps.prefix(2)))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)

    try await Self.waitUntilOlderThanRacyWindow(sandbox)
    let recording = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(recording.status == 0, "\(recording.stderr)")
    let indexFolder = sandbox.path(".cache/swapsync/noop")
    #expect(try FileManager.default.contentsOfDirectory(atPath: indexFolder).count == 1)

    let requests = try await emulator.stats().apiRequests
    let noop = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(noop.status == 0)
    #expect(noop.stderr.contains("nothing to do: all 2 outputs are in sync"), "\(noop.stderr)")
    // A bad --api-base is a usage error whether or not there is work to do.
    let badBase = try await sandbox.swapsync(Faults.sync + ["--api-base", "ftp://x"], emulator: emulator)
    #expect(badBase.status == 64, "\(badBase.stderr)")
    var fromIndex: [CommandResult] = []
    for arguments in Self.readers { fromIndex.append(try await sandbox.swapsync(arguments, emulator: nil)) }
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(fromIndex[0].stdout.contains("orphan"), "\(fromIndex[0].stdout)")
    #expect(fromIndex[3].stdout.contains("orphans:   1"), "\(fromIndex[3].stdout)")

    try FileManager.default.removeItem(atPath: indexFolder)
    for (arguments, indexed) in zip(Self.readers, fromIndex) {
      let full = try await sandbox.swapsync(arguments, emulator: nil)
      #expect(full.status == indexed.status, "\(arguments)")
      #expect(full.stdout == indexed.stdout, "\(arguments)")
    }
    let fullSync = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(fullSync.status == 0)
    #expect(fullSync.stderr == noop.stderr, "sync says the same with and without the index")

    // The index again, then a change it must not hide.
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: indexFolder).count == 1)
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("output file is missing"), "\(status.stdout)")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 2 && plan.stdout.contains("repairs:   1"), "\(plan.stdout)")
    let repair = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(repair.status == 0 && isPNG(sandbox.read("out/a.png")), "\(repair.stderr)")
  }

  @Test("a temporary file left by a killed run is removed by the next sync, even with nothing to do")
  func staleTemporaryIsRemoved() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await Self.waitUntilOlderThanRacyWindow(sandbox)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: sandbox.path(".cache/swapsync/noop")).count == 1)

    let stale = "out/.swapsync/tmp/0123456789abcdef.part"
    try sandbox.write(stale, "half a result")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 0, "\(status.stderr)")
    #expect(sandbox.exists(stale), "status and plan only read")
    let sync = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(sync.status == 0 && sync.stderr.contains("nothing to do"), "\(sync.stderr)")
    #expect(!sandbox.exists(stale))
  }

  /// Waits until every file of the sandbox is older than the no-op index's racy window: files
  /// changed within it are never trusted from their stat data, so no index would be written.
  /// This is a precondition on the files' age, not a synchronisation with another process.
  static func waitUntilOlderThanRacyWindow(_ sandbox: Sandbox) async throws {
    let newest =
      ["swaps.json", "swaps.lock.json", "out/a.png", "out/b.png"].compactMap { name in
        (try? FileManager.default.attributesOfItem(atPath: sandbox.path(name))[.modificationDate]) as? Date
      }.max() ?? Date()
    let settled = newest.addingTimeInterval(Double(NoopIndex.racyWindowNanoseconds) / 1e9 + 0.2)
    while Date() < settled {
      try await Task.sleep(for: .milliseconds(Int(max(10, settled.timeIntervalSinceNow * 1000))))
    }
  }
}
