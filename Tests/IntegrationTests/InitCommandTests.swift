import Foundation
import Testing

/// `swapsync init`: a starter manifest `plan` accepts, a `.gitignore` line, never an overwrite.
@Suite("init command", .timeLimit(.minutes(5)))
struct InitCommandTests {
  @Test("init writes a valid swaps.json and .gitignore; a second init exits 73 and changes nothing")
  func initOnce() async throws {
    let sandbox = try Sandbox()
    try sandbox.write(".gitignore", "build/")
    let first = try await sandbox.swapsync(["init"], emulator: nil)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("wrote swaps.json"))
    let manifest = try #require(sandbox.read("swaps.json"))
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 2, "valid, with 5 outputs to buy: \(plan.stdout) \(plan.stderr)")
    #expect(plan.stdout.contains("submits:   4"), "alice/beach is one pair shared by a swap and the matrix")
    // A job bought is downloaded by a run that waits for it, not by a --no-wait one.
    #expect(plan.stdout.contains("downloads: 4 (at most"), "\(plan.stdout)")
    let noWait = try await sandbox.swapsync(["plan", "--no-wait"], emulator: nil)
    #expect(noWait.stdout.contains("downloads: 0 "), "\(noWait.stdout)")
    let gitignore = String(decoding: try #require(sandbox.read(".gitignore")), as: UTF8.self)
    #expect(gitignore.hasPrefix("build/\n"))
    #expect(gitignore.split(separator: "\n").filter { $0 == ".swapsync/" }.count == 1)

    let second = try await sandbox.swapsync(["init"], emulator: nil)
    #expect(second.status == 73)
    #expect(second.stderr.contains("already exists"))
    #expect(sandbox.read("swaps.json") == manifest)
    #expect(sandbox.read(".gitignore") == Data(gitignore.utf8))

    let other = try await sandbox.swapsync(["init", "team/other.json"], emulator: nil)
    #expect(other.status == 0, "\(other.stderr)")
    #expect(sandbox.exists("team/other.json"))
    #expect(
      String(decoding: try #require(sandbox.read("team/.gitignore")), as: UTF8.self).contains(".swapsync/"))
  }

  @Test(
    "sync refuses to buy the starter's placeholders (65, 0 requests); a second manifest gets its own folder")
  func placeholdersAreNotBought() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    #expect(try await sandbox.swapsync(["init"], emulator: nil).status == 0)
    let refused = try await sandbox.swapsync(["sync", "--no-wait"], emulator: emulator)
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("5 outputs would be bought from the starter's placeholder URLs"),
      "\(refused.stderr)")
    #expect(refused.stderr.contains("Nothing was bought"))
    #expect(try await emulator.stats().apiRequests == 0)
    #expect(!sandbox.exists("out"), "refused before anything was created")
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stderr.contains("5 outputs still use the starter's placeholder URLs"), "\(plan.stderr)")
    #expect(try await sandbox.swapsync(["sync", "--max-submits", "0"], emulator: emulator).status != 65)

    // After a first sync of real images, out/ is that manifest's: a second starter writes elsewhere.
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    #expect(try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator).status == 0)
    let extra = try await sandbox.swapsync(["init", "extra.json"], emulator: nil)
    #expect(extra.status == 0, "\(extra.stderr)")
    #expect(extra.stdout.contains("its outputs go to extra-out/"), "\(extra.stdout)")
    let extraPlan = try await sandbox.swapsync(["plan", "extra.json"], emulator: nil)
    #expect(extraPlan.status == 2, "\(extraPlan.stdout) \(extraPlan.stderr)")
  }
}
