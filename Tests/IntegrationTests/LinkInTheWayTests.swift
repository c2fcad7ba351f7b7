import Foundation
import Testing

/// A symbolic link put where a recorded output's folder was (docs/safety.md, confinement): `sync`
/// refuses to write through it (73), `verify` names it, and `status` says the same, not that the
/// output will be downloaded again.
@Suite("a link in the way of an output", .timeLimit(.minutes(5)))
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
    #expect(status.status == 1, "\(status.stderr)")
    let row = try #require(status.stdout.split(separator: "\n").first { $0.contains("bob/beach.png") })
    #expect(row.contains("untracked") && row.contains(link), "\(status.stdout)")
    #expect(row.contains("cannot put the output back (exit 73)"), "\(row)")
    #expect(
      !status.stdout.contains("missing") && !status.stdout.contains("downloaded again"), "\(status.stdout)")
    let reports = try await Faults.statuses(sandbox)
    #expect(reports["bob/beach.png"]?.detail?.hasPrefix(link) == true, "\(reports)")
    #expect(reports["alice/beach.png"]?.status == .done)

    let verify = try await sandbox.swapsync(["verify"], emulator: nil)
    #expect(verify.status == 1 && (verify.stdout + verify.stderr).contains(link), "\(verify.stdout)")
    // `plan` says what `sync` does: nothing is fetched for it, it is named, exit 1.
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 1, "\(plan.stdout)")
    #expect(plan.stdout.contains("in the way: 1") && plan.stdout.contains("fetches:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("  blocked  bob/beach.png (\(link)"), "\(plan.stdout)")
    // The other output too: each is named, and nothing is fetched or downloaded for either.
    try FileManager.default.removeItem(atPath: sandbox.path("out/alice/beach.png"))
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/alice/beach.png"), withDestinationPath: outside.path + "/x.png")
    let requests = try await emulator.totalRequests()
    let sync = try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator)
    #expect(sync.status == 73, "\(sync.stderr)")
    #expect(sync.stderr.contains(link), "\(sync.stderr)")
    // Each output once, with what is there; the run's error counts them; no --adopt advice (its
    // output was written by swapsync).
    #expect(sync.stderr.contains("untracked: alice/beach.png (job "), "\(sync.stderr)")
    #expect(
      sync.stderr.contains("\(sandbox.path("out/alice/beach.png")) is a symbolic link"), "\(sync.stderr)")
    #expect(sync.stderr.contains("error: 2 recorded outputs could not be put back"), "\(sync.stderr)")
    #expect(!sync.stderr.contains("--adopt"), "\(sync.stderr)")
    let quiet = try await sandbox.swapsync(["sync", "--quiet"], emulator: emulator)
    #expect(
      quiet.status == 73 && quiet.stderr.contains("2 recorded outputs could not be put back"),
      "\(quiet.stderr)")
    #expect(try await emulator.totalRequests() == requests, "nothing fetched for outputs it cannot write")
    #expect(FileTree(outside.path).nodes.isEmpty, "\(FileTree(outside.path).nodes.keys.sorted())")
    #expect(try await emulator.stats().submits == 2)
  }

  @Test("a folder or a dangling link where a new output goes: untracked, nothing bought until it is moved")
  func somethingInTheWayOfANewOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    try FileManager.default.createDirectory(
      atPath: sandbox.path("out/a.png/inside"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/b.png"), withDestinationPath: sandbox.path("nowhere.png"))

    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0 ") && plan.stdout.contains("untracked: 2"), "\(plan.stdout)")
    let statuses = try await Faults.statuses(sandbox)
    #expect(statuses["a.png"]?.status == .untracked && statuses["b.png"]?.status == .untracked)
    #expect(statuses["a.png"]?.detail?.contains("a folder is at this path") == true, "\(statuses)")
    #expect(statuses["b.png"]?.detail?.contains("a symbolic link is at this path") == true, "\(statuses)")
    let adopt = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(adopt.status == 1, "\(adopt.stderr)")
    #expect(adopt.stderr.contains("not adopted: not a regular file"), "\(adopt.stderr)")
    #expect(try await emulator.stats().jobsCreated == 0)

    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/b.png"))
    // Where a folder of the output goes: a link, or a file.
    try sandbox.writeManifest(
      Faults.twoEntries(emulator).map { ("sub/" + $0.0, $0.1, $0.2) } + [
        ("file/c.png", emulator.sample("target-park"), emulator.sample("face-carol"))
      ])
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/sub"), withDestinationPath: sandbox.path("elsewhere"))
    try sandbox.write("out/file", "a file where a folder goes")
    let parents = try await Faults.statuses(sandbox)
    #expect(parents["sub/a.png"]?.detail?.contains("a symbolic link is at sub, where a folder goes") == true)
    #expect(parents["file/c.png"]?.detail?.contains("a file is at file, where a folder goes") == true)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    #expect(try await emulator.stats().jobsCreated == 0)
    try FileManager.default.removeItem(atPath: sandbox.path("out/sub"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/file"))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(try await emulator.stats().jobsCreated == 3)
  }

  @Test(
    "a link in place of the journal or of .swapsync/: every command refuses it with 73 naming it, and reads nothing through it",
    arguments: ["journal", "empty journal", "state folder"])
  func symlinkedState(kind: String) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // A run that ends in sync with settled files writes the no-op index, which would answer
    // `status`, `plan` and `sync` if it trusted the link.
    try await NoopIndexCommandTests.waitUntilOlderThanRacyWindow(sandbox)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let state = sandbox.path("out/.swapsync")
    let link = kind == "state folder" ? state : state + "/journal.jsonl"
    if kind == "state folder" {
      try FileManager.default.moveItem(atPath: state, toPath: sandbox.path("state.real"))
      try FileManager.default.createSymbolicLink(
        atPath: link, withDestinationPath: sandbox.path("state.real"))
    } else {
      try FileManager.default.removeItem(atPath: link)
      try sandbox.write("elsewhere.jsonl", kind == "journal" ? "not a journal\n" : "")
      try FileManager.default.createSymbolicLink(
        atPath: link, withDestinationPath: sandbox.path("elsewhere.jsonl"))
    }
    for command in [["status"], ["plan"], ["verify"], Faults.sync, ["prune"], ["gallery"]] {
      let result = try await sandbox.swapsync(command, emulator: emulator)
      #expect(result.status == 73, "\(kind), \(command): \(result.stderr)")
      #expect(result.stderr.contains("\(link) is a symbolic link"), "\(kind), \(command): \(result.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: sandbox.path("out/index.html")))
    #expect(try await emulator.stats().jobsCreated == 2)
  }
}
