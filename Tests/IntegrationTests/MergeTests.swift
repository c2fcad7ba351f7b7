import Foundation
import Testing

/// A team keeps the manifest and the lockfile in git (docs/lockfile.md, "Merging branches"):
/// branches that bought different images merge without buying anything again, and a conflict
/// left in the lockfile stops every command before it does anything.
@Suite("git merges of the lockfile", .timeLimit(.minutes(3)))
struct MergeTests {
  /// Runs git in the sandbox, with an identity and no user or system configuration.
  func git(_ sandbox: Sandbox, _ arguments: [String]) async throws -> CommandResult {
    let environment = [
      "PATH": "/usr/bin:/bin", "HOME": sandbox.root, "GIT_CONFIG_NOSYSTEM": "1",
      "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
      "GIT_COMMITTER_EMAIL": "t@example.com",
    ]
    return try await ProcessRunner.run("/usr/bin/git", arguments, cwd: sandbox.root, environment: environment)
  }

  func commitAll(_ sandbox: Sandbox, _ message: String) async throws {
    #expect(try await git(sandbox, ["add", "-A"]).status == 0)
    let commit = try await git(sandbox, ["commit", "-q", "-m", message])
    #expect(commit.status == 0, "\(commit.stderr)")
  }

  @Test(
    "two branches that bought different outputs merge cleanly; the merge buys nothing and restores the rest")
  func cleanMergeBuysNothing() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "20ms"])
    let sandbox = try Sandbox()
    let base = Faults.entries(emulator, count: 12)
    // Base: the middle eight; main adds the first, the branch adds the last (far apart in both files).
    let middle = Array(base[2..<10]).map { ("m-\($0.0)", $0.1, $0.2) }
    try sandbox.writeManifest(middle)
    try sandbox.write(".gitignore", "out/\n")
    #expect(try await git(sandbox, ["init", "-q", "-b", "main"]).status == 0)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await commitAll(sandbox, "base")

    #expect(try await git(sandbox, ["checkout", "-q", "-b", "branch"]).status == 0)
    try sandbox.writeManifest(middle + [("z-last.png", base[11].1, base[11].2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await commitAll(sandbox, "branch buys z-last")

    #expect(try await git(sandbox, ["checkout", "-q", "main"]).status == 0)
    try sandbox.writeManifest([("a-first.png", base[0].1, base[0].2)] + middle)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await commitAll(sandbox, "main buys a-first")

    let merge = try await git(sandbox, ["merge", "-q", "--no-edit", "branch"])
    #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
    // This machine is main's: the branch's output was bought elsewhere.
    try FileManager.default.removeItem(atPath: sandbox.path("out/z-last.png"))
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    #expect(plan.stdout.contains("restore  z-last.png"), "\(plan.stdout)")
    let run = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(try await emulator.stats().jobsCreated == 10)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }

  @Test(
    "conflict markers left in the lockfile stop every command with 65 and the line; nothing is asked or written"
  )
  func conflictMarkersAreRefused() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "20ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a])
    try sandbox.write(".gitignore", "out/\n")
    #expect(try await git(sandbox, ["init", "-q", "-b", "main"]).status == 0)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await commitAll(sandbox, "base")
    #expect(try await git(sandbox, ["checkout", "-q", "-b", "branch"]).status == 0)
    // Both branches buy the same new output with different inputs: one entry, two sides.
    try sandbox.writeManifest([a, ("same.png", b.1, b.2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await commitAll(sandbox, "branch")
    #expect(try await git(sandbox, ["checkout", "-q", "main"]).status == 0)
    try FileManager.default.removeItem(atPath: sandbox.path("out/same.png"))  // the branch's machine's
    try sandbox.writeManifest([a, ("same.png", b.1, a.2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try await commitAll(sandbox, "main")
    #expect(try await git(sandbox, ["merge", "-q", "--no-edit", "branch"]).status != 0)
    // The manifest's conflict is resolved (the branch's inputs); the lockfile's is forgotten.
    #expect(try await git(sandbox, ["checkout", "--theirs", "swaps.json"]).status == 0)
    let conflicted = try #require(sandbox.read("swaps.lock.json"))
    #expect(String(decoding: conflicted, as: UTF8.self).contains("<<<<<<<"))

    let requests = try await emulator.stats().apiRequests
    for command in [Faults.sync, ["status"], ["plan"], ["verify"], ["prune"]] {
      let refused = try await sandbox.swapsync(command, emulator: emulator)
      #expect(refused.status == 65, "\(command): \(refused.stderr)")
      #expect(refused.stderr.contains("swaps.lock.json"), "\(refused.stderr)")
      #expect(refused.stderr.contains("an unresolved merge conflict"), "\(refused.stderr)")
    }
    #expect(try await emulator.stats().apiRequests == requests)
    #expect(sandbox.read("swaps.lock.json") == conflicted)
  }
}
