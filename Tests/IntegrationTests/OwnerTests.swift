import Foundation
import SwapSyncKit
import Testing

/// One output folder belongs to one manifest and lockfile (docs/lockfile.md, "owner.json").
@Suite("one output folder, one lockfile", .timeLimit(.minutes(5)))
struct OwnerTests {
  @Test(
    "two manifests cannot share an output folder: the second is refused before its journal replay; a rename is fine"
  )
  func oneOutputFolderOneLockfile() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a], name: "m1.json")
    try sandbox.writeManifest([b], name: "m2.json")
    #expect(
      try await sandbox.swapsync(Faults.sync + ["m1.json", "--no-wait"], emulator: emulator).status == 75)
    let lock = try #require(sandbox.read("m1.lock.json"))
    let entries = try #require(
      (try JSONSerialization.jsonObject(with: lock) as? [String: Any])?["entries"] as? [String: Any])
    // What a run of m1 killed after its job id arrived leaves: the record in the journal.
    let line = try JSONSerialization.data(withJSONObject: ["a.png": entries["a.png"]!]) + Data("\n".utf8)
    try line.write(to: URL(fileURLWithPath: sandbox.path("out/.swapsync/journal.jsonl")))

    for command in [Faults.sync, ["status"], ["plan"], ["verify"], ["prune"]] {
      let refused = try await sandbox.swapsync(command + ["m2.json"], emulator: emulator)
      #expect(refused.status == 65, "\(command): \(refused.stderr)")
      #expect(refused.stderr.contains("already belongs to \(sandbox.path("m1.json"))"), "\(refused.stderr)")
    }
    #expect(!sandbox.exists("m2.lock.json"))
    #expect(sandbox.read("out/.swapsync/journal.jsonl") == line)
    #expect(try await emulator.stats().jobsCreated == 1)

    // m1 collects its job; then renamed together with its lockfile, it keeps its folder.
    #expect(try await sandbox.swapsync(Faults.sync + ["m1.json"], emulator: emulator).status == 0)
    try FileManager.default.moveItem(atPath: sandbox.path("m1.json"), toPath: sandbox.path("renamed.json"))
    try FileManager.default.moveItem(
      atPath: sandbox.path("m1.lock.json"), toPath: sandbox.path("renamed.lock.json"))
    let renamed = try await sandbox.swapsync(Faults.sync + ["renamed.json"], emulator: emulator)
    #expect(renamed.status == 0, "\(renamed.stderr)")
    #expect(try await emulator.stats().jobsCreated == 1)
  }

  @Test(
    "the output folder reached through a link is the same folder: another manifest using its real path is refused"
  )
  func ownerThroughALink() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try FileManager.default.createDirectory(
      atPath: sandbox.path("elsewhere/realout"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: sandbox.path("proj"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("proj/out"), withDestinationPath: "../elsewhere/realout")
    try sandbox.writeManifest([a], name: "proj/a.json")
    try sandbox.write(
      "elsewhere/c.json",
      #"{"version": 1, "outputDir": "realout", "swaps": [{"output": "c.png", "targetImage": "\#(b.1)", "swapImage": "\#(b.2)"}]}"#
    )
    #expect(try await sandbox.swapsync(Faults.sync + ["proj/a.json"], emulator: emulator).status == 0)
    let refused = try await sandbox.swapsync(Faults.sync + ["elsewhere/c.json"], emulator: emulator)
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(refused.stderr.contains("already belongs to"), "\(refused.stderr)")
    // The owner itself, through the link or through the real folder with --out, is at home.
    #expect(try await sandbox.swapsync(["status", "proj/a.json"], emulator: nil).status == 0)
    let direct = try await sandbox.swapsync(
      ["status", "proj/a.json", "--out", sandbox.path("elsewhere/realout")], emulator: nil)
    #expect(direct.status == 0, "\(direct.stderr)")
    // Reached through a bind mount at another depth, the relative paths resolve to nothing;
    // the absolute ones beside them still name the owner.
    let ownerPath = sandbox.path("elsewhere/realout/.swapsync/owner.json")
    var owner = try #require(
      try JSONSerialization.jsonObject(with: sandbox.read("elsewhere/realout/.swapsync/owner.json") ?? Data())
        as? [String: Any])
    #expect(
      owner["manifestPath"] as? String
        == URL(fileURLWithPath: sandbox.path("proj/a.json")).resolvingSymlinksInPath().path)
    owner["manifest"] = "../../../nowhere/a.json"
    owner["lockfile"] = "../../../nowhere/a.lock.json"
    try JSONSerialization.data(withJSONObject: owner).write(to: URL(fileURLWithPath: ownerPath))
    let mounted = try await sandbox.swapsync(Faults.sync + ["elsewhere/c.json"], emulator: emulator)
    #expect(mounted.status == 65, "\(mounted.stderr)")
    #expect(try await emulator.stats().jobsCreated == 1)
  }

  @Test(
    "a manifest renamed without its lockfile: refused with the rename to do, noted in a fresh clone; renamed, nothing bought"
  )
  func manifestRenamedWithoutItsLockfile() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try FileManager.default.moveItem(atPath: sandbox.path("swaps.json"), toPath: sandbox.path("team.json"))
    let refused = try await sandbox.swapsync(["plan", "team.json"], emulator: nil)
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("git mv \(sandbox.path("swaps.lock.json")) team.lock.json"), "\(refused.stderr)"
    )
    #expect(refused.stderr.contains("swaps.lock.json has no manifest beside it"), "\(refused.stderr)")
    // A fresh clone has no output folder: plan shows the purchase, and the note says why.
    try FileManager.default.removeItem(atPath: sandbox.path("out"))
    let clone = try await sandbox.swapsync(["plan", "team.json"], emulator: nil)
    #expect(clone.stdout.contains("submits:   1"), "\(clone.stdout)")
    #expect(clone.stderr.contains("rename the lockfile too"), "\(clone.stderr)")
    try FileManager.default.moveItem(
      atPath: sandbox.path("swaps.lock.json"), toPath: sandbox.path("team.lock.json"))
    let renamed = try await sandbox.swapsync(["plan", "team.json"], emulator: nil)
    #expect(renamed.stdout.contains("submits:   0") && !renamed.stderr.contains("note:"), "\(renamed.stderr)")
    #expect(try await sandbox.swapsync(Faults.sync + ["team.json"], emulator: emulator).status == 0)
    #expect(try await emulator.stats().jobsCreated == 1)
  }
}
