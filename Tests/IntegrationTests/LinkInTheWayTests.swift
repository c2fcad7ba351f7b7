import Foundation
import Testing

/// A symbolic link put where a recorded output's folder was (docs/safety.md, confinement): `sync`
/// refuses to write through it (73), `verify` names it, and `status` says the same, not that the
/// output will be downloaded again.
@Suite("a link in the way of a done output", .timeLimit(.minutes(5)))
struct LinkInTheWayTests {
  @Test("status, verify and sync all name the link; nothing is written outside or bought again")
  func symlinkedFolderAfterASync() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let outside = try KeyFolder()
    defer { outside.remove() }
    try Crash.writeMatrixManifest(
      sandbox, targets: ["beach": emulator.sample("target-beach")],
      faces: ["alice": emulator.sample("face-alice"), "bob": emulator.sample("face-bob")],
      output: "{face}/{target}.png")
    let first = try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    // mv out/bob out/bob.real; ln -s <outside> out/bob
    try FileManager.default.moveItem(atPath: sandbox.path("out/bob"), toPath: sandbox.path("out/bob.real"))
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/bob"), withDestinationPath: outside.path)
    let link = "\(sandbox.path("out/bob")) is a symbolic link"

    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 75, "\(status.stderr)")
    let row = try #require(status.stdout.split(separator: "\n").first { $0.contains("bob/beach.png") })
    #expect(row.contains("modified") && row.contains(link), "\(status.stdout)")
    #expect(row.contains("cannot put the output back (exit 73)"), "\(row)")
    #expect(
      !status.stdout.contains("missing") && !status.stdout.contains("downloaded again"), "\(status.stdout)")
    let reports = try await Faults.statuses(sandbox)
    #expect(reports["bob/beach.png"]?.detail?.hasPrefix(link) == true, "\(reports)")
    #expect(reports["alice/beach.png"]?.status == .done)

    let verify = try await sandbox.swapsync(["verify"], emulator: nil)
    #expect(verify.status == 1 && (verify.stdout + verify.stderr).contains(link), "\(verify.stdout)")
    let sync = try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator)
    #expect(sync.status == 73, "\(sync.stderr)")
    #expect(sync.stderr.contains(link), "\(sync.stderr)")
    #expect(FileTree(outside.path).nodes.isEmpty, "\(FileTree(outside.path).nodes.keys.sorted())")
    #expect(try await emulator.stats().submits == 2)
  }
}
