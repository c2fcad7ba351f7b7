import Foundation
import SwapSyncKit
import Testing

/// Files swapsync did not write are never replaced silently (docs/states.md, `untracked`), and
/// one output has one identity, its NFC name, in every command (docs/manifest.md).
@Suite("untracked files and output identity", .timeLimit(.minutes(3)))
struct UntrackedTests {
  /// A small valid PNG that is not the emulator's result for any pair.
  static let userPNG = Data([
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x75, 0x73, 0x65, 0x72, 0x2D, 0x6F, 0x77, 0x6E,
  ])

  @Test(
    "a file the user drops at an output while its job runs is not replaced; moved away, the result is installed"
  )
  func fileDroppedWhileTheJobRuns() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let run = try Crash.Run(["sync", "--poll-interval", "20ms"], in: sandbox, emulator: emulator)
    #expect(try await Crash.eventually { try await emulator.stats().jobsCreated == 2 })
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try Self.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))
    try await emulator.finishAllJobs()
    let (result, signalled) = await run.finish()
    #expect(!signalled)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("a.png: a file swapsync did not write appeared here"), "\(result.stderr)")
    #expect(sandbox.read("out/a.png") == Self.userPNG, "the user's file was replaced")
    #expect(isPNG(sandbox.read("out/b.png")))
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .untracked)

    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    let collected = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(collected.status == 0, "\(collected.stderr)")
    #expect(isPNG(sandbox.read("out/a.png")) && sandbox.read("out/a.png") != Self.userPNG)
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a folder made at an output path, or a link where its folder goes, while its job runs: nothing written through, the job kept"
  )
  func somethingInTheWayWhileTheJobRuns() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    let pairs = Faults.twoEntries(emulator)
    try sandbox.writeManifest([pairs[0], ("sub/b.png", pairs[1].1, pairs[1].2)])
    let run = try Crash.Run(["sync", "--poll-interval", "20ms"], in: sandbox, emulator: emulator)
    #expect(try await Crash.eventually { try await emulator.stats().jobsCreated == 2 })
    let elsewhere = try Sandbox()
    try FileManager.default.createDirectory(
      atPath: sandbox.path("out/a.png"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/sub"), withDestinationPath: elsewhere.root)
    try await emulator.finishAllJobs()
    let (result, signalled) = await run.finish()
    #expect(!signalled)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.stderr.contains("a.png: a folder is at this path (it appeared while job"), "\(result.stderr)")
    #expect(
      result.stderr.contains("sub/b.png: a symbolic link is at sub, where a folder goes"), "\(result.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.root).isEmpty)
    let states = try await Faults.statuses(sandbox)
    #expect(states["a.png"]?.status == .untracked && states["sub/b.png"]?.status == .untracked, "\(states)")

    // Moved away: the next run installs both results from the jobs already paid.
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/sub"))
    let collected = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(collected.status == 0, "\(collected.stderr)")
    #expect(isPNG(sandbox.read("out/a.png")) && isPNG(sandbox.read("out/sub/b.png")))
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test("--adopt over a running job says, in plan and sync, that the paid job is given up")
  func adoptingOverARunningJob() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    let jobId = try #require(try await Faults.statuses(sandbox)["a.png"]?.jobId)
    try Self.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))
    let preview = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(preview.stdout.contains("adopt     a.png (gives up running job \(jobId))"), "\(preview.stdout)")
    let adopted = try await sandbox.swapsync(Faults.sync + ["--adopt", "--no-wait"], emulator: emulator)
    #expect(adopted.status == 0, "\(adopted.stderr)")
    #expect(
      adopted.stderr.contains("job \(jobId), bought for it and still running, is given up"),
      "\(adopted.stderr)")
    #expect(sandbox.read("out/a.png") == Self.userPNG)
    #expect(try await emulator.stats().jobsCreated == 1)
  }

  @Test("the user's own file at an output survives byte for byte; --adopt records it and buys nothing")
  func usersFileSurvives() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try Self.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))

    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 2)
    #expect(plan.stdout.contains("submits:   1 "), "\(plan.stdout)")
    #expect(plan.stdout.contains("untracked: 1"), "\(plan.stdout)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .untracked)

    let sync = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(sync.status == 1, "\(sync.stderr)")
    #expect(sync.stderr.contains("swapsync sync --adopt"), "\(sync.stderr)")
    #expect(sandbox.read("out/a.png") == Self.userPNG, "the user's file was replaced")
    #expect(isPNG(sandbox.read("out/b.png")))
    #expect(try await emulator.stats().submits == 1)

    let adopt = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(adopt.status == 0, "\(adopt.stderr)")
    #expect(adopt.stderr.contains("1 adopted"), "\(adopt.stderr)")
    #expect(sandbox.read("out/a.png") == Self.userPNG)
    let lock = String(decoding: sandbox.read("swaps.lock.json") ?? Data(), as: UTF8.self)
    #expect(lock.contains(#""adopted" : true"#), "\(lock)")
    let before = try await emulator.stats().apiRequests
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 0)
    #expect(again.stderr.contains("nothing to do"), "\(again.stderr)")
    #expect(try await emulator.stats().apiRequests == before)
    #expect(try await emulator.stats().submits == 1)
  }

  @Test("--adopt refuses a file that is not an image; it stays untracked and is not bought")
  func adoptRefusesNonImage() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    try sandbox.write("out/a.png", "not an image\n")
    try Self.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out/b.png")))
    // plan --adopt tells the two apart as sync will, in text and in JSON.
    let preview = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(
      preview.stdout.contains("untracked: 1 ") && preview.stdout.contains("adoptions: 1 "),
      "\(preview.stdout)")
    #expect(
      preview.stdout.contains("  untracked a.png (not a regular JPEG, PNG, WebP or GIF file: not adopted)"))
    #expect(preview.stdout.contains("  adopt     b.png"), "\(preview.stdout)")
    let json = try await sandbox.swapsync(["plan", "--adopt", "--json"], emulator: nil)
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    let steps = try #require(object?["steps"] as? [[String: Any]], "\(json.stdout)")
    #expect(steps.map { $0["action"] as? String } == ["untracked", "adopt"], "\(steps)")
    #expect(steps.map { ($0["outputs"] as? [String]) ?? [] } == [["a.png"], ["b.png"]])
    let result = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("not adopted: not a JPEG, PNG, WebP or GIF image"), "\(result.stderr)")
    #expect(sandbox.read("out/a.png") == Data("not an image\n".utf8))
    #expect(try await emulator.stats().submits == 0)
  }

  @Test("a deleted lockfile: every output is untracked, nothing is bought; --adopt restores a no-op for free")
  func deletedLockfile() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 5))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let files = sandbox.files(under: "out")
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))

    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0 "), "\(plan.stdout)")
    #expect(plan.stdout.contains("untracked: 5"), "\(plan.stdout)")
    let skipped = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(skipped.status == 1, "\(skipped.stderr)")
    #expect(try await emulator.stats().submits == 5)

    let adopt = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(adopt.status == 0, "\(adopt.stderr)")
    let before = try await emulator.stats().apiRequests
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 0 && again.stderr.contains("nothing to do"), "\(again.stderr)")
    #expect(try await emulator.stats().apiRequests == before)
    #expect(try await emulator.stats().submits == 5)
    #expect(sandbox.files(under: "out") == files)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }

  @Test("an adopted output that goes missing is not bought again unless --resubmit lost names it")
  func adoptedOutputMissing() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try Faults.forgetInstalledResults(sandbox)
    #expect(try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator).status == 0)
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    let lockfile = try #require(sandbox.read("swaps.lock.json"))

    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 1, "\(plan.stdout)")
    #expect(plan.stdout.contains("submits:   0 "), "\(plan.stdout)")
    #expect(plan.stdout.contains("blocked  a.png (lost)"), "\(plan.stdout)")
    let report = try await Faults.statuses(sandbox)["a.png"]
    #expect(report?.status == .lost)
    #expect(report?.detail?.contains("--resubmit lost") == true, "\(String(describing: report))")
    let blocked = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(blocked.status == 1, "\(blocked.stderr)")
    #expect(try await emulator.stats().submits == 2)
    #expect(sandbox.read("swaps.lock.json") == lockfile)

    let costed = try await sandbox.swapsync(["plan", "--resubmit", "lost"], emulator: nil)
    #expect(costed.stdout.contains("submits:   1 "), "\(costed.stdout)")
    let bought = try await sandbox.swapsync(Faults.sync + ["--resubmit", "lost"], emulator: emulator)
    #expect(bought.status == 0, "\(bought.stderr)")
    #expect(try await emulator.stats().submits == 3)
    #expect(sandbox.read("out/a.png") != nil)
  }

  @Test("adopted files of one pair keep their own bytes: never copied over from a sibling, never refilled")
  func adoptedSiblingsKeepTheirBytes() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    // Two different images, as a user might hold for one pair.
    let source = try Sandbox()
    let pairs = Faults.twoEntries(emulator)
    try source.writeManifest(pairs)
    #expect(try await source.swapsync(Faults.sync, emulator: emulator).status == 0)
    let first = try #require(source.read("out/a.png"))
    let second = try #require(source.read("out/b.png"))

    let sandbox = try Sandbox()
    try sandbox.writeManifest([("x.png", pairs[0].1, pairs[0].2), ("y.png", pairs[0].1, pairs[0].2)])
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try first.write(to: URL(fileURLWithPath: sandbox.path("out/x.png")))
    try second.write(to: URL(fileURLWithPath: sandbox.path("out/y.png")))
    let adopt = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(adopt.status == 0, "\(adopt.stderr)")
    #expect(sandbox.read("out/x.png") == first && sandbox.read("out/y.png") == second)
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(sandbox.read("out/x.png") == first && sandbox.read("out/y.png") == second)

    try FileManager.default.removeItem(atPath: sandbox.path("out/y.png"))
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 1 && plan.stdout.contains("blocked  y.png (lost)"), "\(plan.stdout)")
    let blocked = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(blocked.status == 1, "\(blocked.stderr)")
    #expect(sandbox.read("out/y.png") == nil && sandbox.read("out/x.png") == first)
    #expect(try await Faults.statuses(sandbox)["y.png"]?.status == .lost)
    #expect(try await emulator.stats().submits == 2)
  }

  @Test(
    "an output spelled in NFD is written, recorded and verified under its NFC name; the other spelling is reported"
  )
  func unicodeSpellings() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let nfd = "cafe\u{301}.png", nfc = "caf\u{e9}.png"
    let entry = Faults.twoEntries(emulator)[0]
    // Written with escapes so the manifest's bytes really are NFD.
    try sandbox.write(
      "swaps.json",
      #"{"version": 1, "outputDir": "out", "swaps": [{"output": "cafe\u0301.png", "targetImage": "\#(entry.1)", "swapImage": "\#(entry.2)"}]}"#
    )
    // A file under the NFD name, as a macOS editor would leave it.
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try Self.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out") + "/" + nfd))
    let names = {
      try FileManager.default.contentsOfDirectory(atPath: sandbox.path("out")).filter { $0 != ".swapsync" }
    }
    #expect(try names().map { Array($0.utf8) } == [Array(nfd.utf8)])
    let status = try await Faults.statuses(sandbox)
    #expect(status.count == 1)
    #expect(status[nfc]?.detail?.contains("another Unicode spelling") == true, "\(status)")

    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let lock = try #require(sandbox.read("swaps.lock.json"))
    #expect(lock.range(of: Data(nfc.utf8)) != nil && lock.range(of: Data(nfd.utf8)) == nil)
    // The output is the NFC file; the user's NFD file is left alone, never taken for it.
    #expect(
      try names().map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        == [Array(nfd.utf8), Array(nfc.utf8)].sorted { $0.lexicographicallyPrecedes($1) })
    #expect(isPNG(FileManager.default.contents(atPath: sandbox.path("out") + "/" + nfc)))
    #expect(FileManager.default.contents(atPath: sandbox.path("out") + "/" + nfd) == Self.userPNG)

    // verify, status and sync look at the same file: damage it and all three say so.
    try Data("damaged".utf8).write(to: URL(fileURLWithPath: sandbox.path("out") + "/" + nfc))
    let verify = try await sandbox.swapsync(["verify"], emulator: nil)
    #expect(verify.status == 1, "\(verify.stdout)")
    #expect(try await Faults.statuses(sandbox)[nfc]?.status == .modified)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
    #expect(try await emulator.stats().submits == 1)

    // The done output itself renamed to the other spelling: missing, and the other name is said.
    try FileManager.default.removeItem(atPath: sandbox.path("out") + "/" + nfd)
    try FileManager.default.moveItem(
      atPath: sandbox.path("out") + "/" + nfc, toPath: sandbox.path("out") + "/" + nfd)
    let renamed = try await Faults.statuses(sandbox)[nfc]
    #expect(renamed?.status == .modified)
    #expect(renamed?.detail?.contains("another Unicode spelling") == true, "\(renamed?.detail ?? "")")
  }

  @Test("a folder of an output under another Unicode spelling is reported by status, and never written into")
  func unicodeSpellingOfAFolder() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let entry = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([("caf\u{e9}/x.png", entry.1, entry.2)])
    let nfdFolder = sandbox.path("out") + "/cafe\u{301}"
    try FileManager.default.createDirectory(atPath: nfdFolder, withIntermediateDirectories: true)
    try Self.userPNG.write(to: URL(fileURLWithPath: nfdFolder + "/x.png"))
    let row = try await Faults.statuses(sandbox)["caf\u{e9}/x.png"]
    #expect(row?.status == .missing)
    #expect(
      row?.detail?.contains(
        #"a folder "cafe\u{301}" (another Unicode spelling of one of this output's folders)"#)
        == true, "\(row?.detail ?? "")")
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(FileManager.default.contents(atPath: nfdFolder + "/x.png") == Self.userPNG)
  }
}
