import Foundation
import Testing

/// `status --state`: the selection, its JSON, its exit status, and unknown state names.
@Suite("status --state", .timeLimit(.minutes(5)))
struct StatusFilterTests {
  @Test("--state selects entries for the table and --json; the exit status judges only them")
  func selection() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "50ms", "--fail-when", "face-bob=no face found",
    ])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), alice = emulator.sample("face-alice")
    let bob = emulator.sample("face-bob")
    try sandbox.writeManifest([("ok.png", beach, alice), ("bad.png", beach, bob)])
    #expect(try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator).status == 1)
    try sandbox.writeManifest([("ok.png", beach, alice), ("bad.png", beach, bob), ("new.png", beach, bob)])

    let all = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(all.status == 1)
    // new.png has bad.png's inputs: it waits for the decision on bad.png, as plan says.
    #expect(all.stdout.contains("its inputs are those of bad.png, which is failed"), "\(all.stdout)")
    // new.png shares bad.png's state: a sync cannot buy it without the user's decision (exit 1).
    let failed = try await sandbox.swapsync(["status", "--state", "failed,uncertain"], emulator: nil)
    #expect(failed.status == 1)
    #expect(failed.stdout.contains("bad.png") && failed.stdout.contains("no face found"))
    #expect(!failed.stdout.contains("ok.png") && failed.stdout.contains("new.png"))

    let done = try await sandbox.swapsync(["status", "--state", "done", "--json"], emulator: nil)
    #expect(done.status == 0, "only the done entry is judged")
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(done.stdout.utf8)) as? [[String: Any]])
    #expect(rows.map { $0["output"] as? String } == ["ok.png"])

    try sandbox.writeManifest([("ok.png", beach, alice), ("bad.png", beach, bob), ("other.png", bob, alice)])
    let pending = try await sandbox.swapsync(
      ["status", "--state", "missing", "--state", "DONE"], emulator: nil)
    #expect(pending.status == 75, "other.png still has to be bought")
    #expect(pending.stdout.contains("other.png") && pending.stdout.contains("ok.png"))
    #expect(!pending.stdout.split(separator: "\n").contains { $0.hasPrefix("bad.png") }, "no row of its own")

    let none = try await sandbox.swapsync(["status", "--state", "lost"], emulator: nil)
    #expect(none.status == 0)
    #expect(none.stdout.contains("no entries are lost"))
    let noneJSON = try await sandbox.swapsync(["status", "--state", "lost", "--json"], emulator: nil)
    let empty = try JSONSerialization.jsonObject(with: Data(noneJSON.stdout.utf8)) as? [Any]
    #expect(empty?.isEmpty == true)
  }

  @Test("an unknown state is a usage error listing the valid ones")
  func unknownState() async throws {
    let sandbox = try Sandbox()
    try sandbox.writeManifest([])
    let result = try await sandbox.swapsync(["status", "--state", "failed,broken"], emulator: nil)
    #expect(result.status == 64)
    #expect(result.stderr.contains("unknown state \"broken\""))
    #expect(result.stderr.contains("missing, submitting, running, done, failed, uncertain, lost"))
  }
}
