import Foundation
import SwapSyncKit
import Testing

/// A result whose job the service forgot (`lost`) is not bought again while a cache holds its
/// bytes: `sync` puts it back from there, with or without `--resubmit lost` (docs/cache.md,
/// "Restore order").
@Suite("lost results come back from the cache", .timeLimit(.minutes(3)))
struct LostFromCacheTests {
  @Test(
    "a lost entry is restored from a cache that holds its result: nothing bought, even with --resubmit lost")
  func lostEntryRestoredFromCache() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let cache = ["--cache", sandbox.path("shared/cache")]
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(CacheSupport.sync + cache, emulator: emulator).status == 0)
    let results = sandbox.files(under: "out")
    let recorded = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    for name in ["a.png", "b.png"] { try FileManager.default.removeItem(atPath: sandbox.path("out/" + name)) }
    // Without the cache, a service that never knew the jobs makes both entries lost.
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    let lost = try await sandbox.swapsync(CacheSupport.sync, emulator: forgetful)
    #expect(lost.status == 1, "\(lost.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .lost)
    // A file of the user's there: moving it away collects nothing (the job is forgotten).
    try Data("a user's file".utf8).write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))
    let edited = try #require(try await Faults.statuses(sandbox)["a.png"]?.detail)
    #expect(!edited.contains("collect"), "\(edited)")
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))

    // With the cache: a.png by a plain sync, b.png by one that names --resubmit lost.
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    let plain = try await sandbox.swapsync(CacheSupport.sync + cache, emulator: forgetful)
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(plain.stderr.contains("1 restored from the cache"), "\(plain.stderr)")
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let resubmit = try await sandbox.swapsync(
      CacheSupport.sync + cache + ["--resubmit", "lost"], emulator: forgetful)
    #expect(resubmit.status == 0, "\(resubmit.stderr)")
    #expect(resubmit.stderr.contains("1 restored from the cache"), "\(resubmit.stderr)")
    #expect(sandbox.files(under: "out") == results)
    #expect(try await forgetful.stats().jobsCreated == 0, "nothing bought again")
    #expect(try await Faults.statuses(sandbox).values.allSatisfy { $0.status == .done })
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
    // Done again as they were: the buying run's times too (the results ledger's), no diff to commit.
    let restored = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    #expect(restored.entries == recorded.entries)
  }

  @Test(
    "a lost entry whose recorded bytes are back at its output is done again, and copied to its sibling: nothing bought"
  )
  func lostEntryWhoseBytesAreBack() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let a = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([a, ("twin.png", a.1, a.2)])
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    let result = try #require(sandbox.read("out/a.png"))
    let recorded = try #require(
      try LockfileCodec.read(path: sandbox.path("swaps.lock.json"))?.entries["a.png"])
    for name in ["a.png", "twin.png"] {
      try FileManager.default.removeItem(atPath: sandbox.path("out/" + name))
    }
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: forgetful).status == 1)
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .lost)

    // The user (or `git checkout out/`) puts the very bytes back at a.png.
    try result.write(to: URL(fileURLWithPath: sandbox.path("out/a.png")))
    let status = try #require(try await Faults.statuses(sandbox)["a.png"]?.detail)
    #expect(status.contains("its recorded result is at this path again"), "\(status)")
    let plan = try await sandbox.swapsync(["plan", "--resubmit", "lost"], emulator: nil)
    #expect(plan.stdout.contains("submits:   0"), "\(plan.stdout)")
    let synced = try await sandbox.swapsync(CacheSupport.sync + ["--resubmit", "lost"], emulator: forgetful)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(try await forgetful.stats().jobsCreated == 0, "nothing bought again")
    #expect(sandbox.read("out/twin.png") == result)
    let lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    // The record it had, but the time it ended, which the `lost` record replaced.
    for output in ["a.png", "twin.png"] {
      var entry = try #require(lock.entries[output])
      entry.finishedAt = recorded.finishedAt
      #expect(entry == recorded, "\(output)")
    }
  }

  /// a.png bought and pushed to a cache in `shared/cache`; then, as on another branch, no
  /// lockfile and no image, only the folder's results ledger. Returns the pair, the image and
  /// its record.
  static func boughtAndCachedElsewhere() async throws -> (
    sandbox: Sandbox, cache: [String], pair: (String, String, String), result: Data, recorded: LockEntry
  ) {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let cache = ["--cache", sandbox.path("shared/cache")]
    let p = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([p])
    #expect(try await sandbox.swapsync(CacheSupport.sync + cache, emulator: emulator).status == 0)
    let result = try #require(sandbox.read("out/a.png"))
    let recorded = try #require(
      try LockfileCodec.read(path: sandbox.path("swaps.lock.json"))?.entries["a.png"])
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    return (sandbox, cache, p, result, recorded)
  }

  @Test(
    "a result gone from the folder and the lockfile, whose job the ledger knows and the service forgot: put back from the cache, nothing bought"
  )
  func knownJobRestoredFromCache() async throws {
    let (sandbox, cache, p, result, recorded) = try await Self.boughtAndCachedElsewhere()
    try sandbox.writeManifest([("c.png", p.1, p.2)])
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    let synced = try await sandbox.swapsync(CacheSupport.sync + cache, emulator: forgetful)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(synced.stderr.contains("1 restored from the cache"), "\(synced.stderr)")
    #expect(sandbox.read("out/c.png") == result)
    #expect(try await forgetful.stats().apiRequests == 0, "no request: the cache held the result")
    let entry = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json"))?.entries["c.png"])
    #expect(entry.state == .done && entry.jobId == recorded.jobId && entry.sha256 == recorded.sha256)
    #expect(entry.finishedAt == recorded.finishedAt, "the buying run's times, from the ledger")
  }

  @Test(
    "a job followed again from the ledger that the service forgot, in a run without the cache: lost, then put back by a run with it"
  )
  func knownJobLostThenRestoredFromCache() async throws {
    let (sandbox, cache, _, result, _) = try await Self.boughtAndCachedElsewhere()
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: forgetful).status == 1)
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .lost)
    let plan = try await sandbox.swapsync(["plan"] + cache + ["--resubmit", "lost"], emulator: nil)
    #expect(plan.stdout.contains("unless the cache"), "\(plan.stdout)")
    let synced = try await sandbox.swapsync(CacheSupport.sync + cache, emulator: forgetful)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(synced.stderr.contains("1 restored from the cache"), "\(synced.stderr)")
    #expect(sandbox.read("out/a.png") == result)
    #expect(try await forgetful.stats().jobsCreated == 0)
  }

  @Test(
    "a new job for changed inputs that the service forgot: the old inputs' file at the output is never taken for its result"
  )
  func forgottenJobOfStaleOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (p, q) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([p])
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    let old = try #require(sandbox.read("out/a.png"))
    // a.png now wants Q: its job is bought, and the service forgets it before it is collected.
    try sandbox.writeManifest([("a.png", q.1, q.2)])
    #expect(try await sandbox.swapsync(CacheSupport.sync + ["--no-wait"], emulator: emulator).status == 75)
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: forgetful).status == 1)
    for run in 1...2 {
      let again = try await sandbox.swapsync(CacheSupport.sync, emulator: forgetful)
      #expect(again.status == 1, "run \(run): \(again.stderr)")
      let status = try #require(try await Faults.statuses(sandbox)["a.png"])
      #expect(
        status.status == .lost && status.detail?.contains("buying nothing") != true, "run \(run): \(status)")
      #expect(sandbox.read("out/a.png") == old, "run \(run)")
    }
    // No bytes of that job are known, so `plan` does not offer a cache as a way back.
    for resubmit in [[], ["--resubmit", "lost"]] {
      let plan = try await sandbox.swapsync(
        ["plan", "--cache", sandbox.path("shared/cache")] + resubmit, emulator: nil)
      #expect(!plan.stdout.contains("the cache"), "\(resubmit): \(plan.stdout)")
      #expect(plan.stdout.contains(resubmit.isEmpty ? "blocked  a.png (lost)" : "submit   a.png (lost)"))
    }
    let bought = try await sandbox.swapsync(CacheSupport.sync + ["--resubmit", "lost"], emulator: forgetful)
    #expect(bought.status == 0, "\(bought.stderr)")
    #expect(try await forgetful.stats().jobsCreated == 1)
    #expect(sandbox.read("out/a.png") != old)
  }
}
