import Foundation
import SwapSyncKit
import Testing

/// Hand edits of the lockfile that point one output's record at another output's result: never
/// an image installed for other inputs, and `status`, `plan` and `sync` agree (docs/lockfile.md).
@Suite("lockfile records pointing at another output's result", .timeLimit(.minutes(3)))
struct LockfileEditTests {
  /// Rewrites the sandbox's lockfile with `change` applied, as a hand edit or a merge would.
  static func editLockfile(in sandbox: Sandbox, _ change: (inout Lockfile) -> Void) throws {
    var lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    change(&lock)
    _ = try LockfileCodec.write(lock, to: sandbox.path("swaps.lock.json"), unlessDigest: nil)
  }

  /// A bad merge: `target`'s record takes `source`'s job and result, and `source`'s record is gone.
  static func take(_ lock: inout Lockfile, resultOf source: String, for target: String) {
    let other = lock.entries[source]
    lock.entries[source] = nil
    lock.entries[target]?.jobId = other?.jobId
    lock.entries[target]?.sha256 = other?.sha256
    lock.entries[target]?.size = other?.size
  }

  @Test(
    "a checksum and size edited to another output's: no copy of that output, the job's download is refused naming the lockfile"
  )
  func checksumOfAnotherOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // A bad merge: a.png's record keeps its job and inputs, with b.png's result (the bytes b.png holds).
    try Self.editLockfile(in: sandbox) { lock in
      let other = lock.entries["b.png"]
      lock.entries["a.png"]?.sha256 = other?.sha256
      lock.entries["a.png"]?.size = other?.size
    }
    let edited = try #require(sandbox.read("swaps.lock.json"))
    let (a, b) = (try #require(sandbox.read("out/a.png")), try #require(sandbox.read("out/b.png")))

    let row = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(row.status == .modified && row.detail?.contains("downloaded again from the recorded job") == true)
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("restore  a.png (download from job"), "\(plan.stdout)")
    let synced = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(synced.status == 75, "\(synced.stderr)")
    #expect(synced.stderr.contains("is not the one the lockfile records"), "\(synced.stderr)")
    #expect(sandbox.read("out/a.png") == a && sandbox.read("out/b.png") == b, "nothing copied over a.png")
    #expect(sandbox.read("swaps.lock.json") == edited)
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a record given another output's job and result, that output gone from the lockfile: the results ledger tells, nothing is installed"
  )
  func jobOfAnotherOutput() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let (a, b) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([a, b])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // A bad merge: b.png left the manifest and the lockfile, and a.png's record took its job and result.
    try sandbox.writeManifest([a])
    try Self.editLockfile(in: sandbox) { Self.take(&$0, resultOf: "b.png", for: "a.png") }
    let edited = try #require(sandbox.read("swaps.lock.json"))
    let original = try #require(sandbox.read("out/a.png"))
    let requests = try await emulator.stats().apiRequests

    let wrong = "but this folder bought that job for target \(b.1)"
    let row = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(row.detail?.contains(wrong) == true, "\(row)")
    // The user must fix the lockfile: attention (1), not work a run would do (75).
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 1)
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(
      plan.status == 1 && plan.stdout.contains("blocked  a.png (the lockfile records job"), "\(plan.stdout)")
    for run in 1...2 {
      let synced = try await sandbox.swapsync(Faults.sync, emulator: emulator)
      #expect(synced.status == 1 && synced.stderr.contains(wrong), "run \(run): \(synced.stderr)")
      #expect(sandbox.read("out/a.png") == original, "run \(run): nothing installed over a.png")
      #expect(sandbox.read("swaps.lock.json") == edited, "run \(run)")
    }
    #expect(try await emulator.stats().apiRequests == requests)
  }

  @Test(
    "a size or type edited on one of two twins: corrected from the twin in one run, with no request",
    arguments: ["size", "imageType"])
  func editedTwinRecord(field: String) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let pair = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([("a.png", pair.1, pair.2), ("twin.png", pair.1, pair.2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let lockfile = try #require(sandbox.read("swaps.lock.json"))
    try Self.editLockfile(in: sandbox) { lock in
      if field == "size" {
        lock.entries["a.png"]?.size? += 1
      } else {
        lock.entries["a.png"]?.imageType = "gif"
      }
    }
    let requests = try await emulator.stats().apiRequests

    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.stdout.contains("restore  a.png (copy of twin.png)"), "\(plan.stdout)")
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(sandbox.read("swaps.lock.json") == lockfile, "a.png has its twin's record again")
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 0 && again.stderr.contains("nothing to do"), "\(again.stderr)")
    #expect(try await emulator.stats().apiRequests == requests)
  }

  @Test(
    "a size edited in a fresh clone with a warm cache: restored from the cache and corrected, no TTAPI request"
  )
  func editedSizeRestoredFromCache() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let original = try Sandbox()
    try original.writeManifest(CacheSupport.entries(emulator))
    let cache = ["--cache", original.path("shared/cache")]
    #expect(try await original.swapsync(CacheSupport.sync + cache, emulator: emulator).status == 0)
    let lockfile = try #require(original.read("swaps.lock.json"))
    let clone = try CacheSupport.clone(of: original)
    try Self.editLockfile(in: clone) { $0.entries["b.png"]?.size? += 3 }
    let object = try CacheSupport.key(of: try #require(original.read("out/b.png")))
    let stored = try FileManager.default.attributesOfItem(atPath: original.path("shared/cache/" + object))
    let requests = try await emulator.stats().apiRequests

    let synced = try await clone.swapsync(CacheSupport.sync + cache, emulator: emulator)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(
      synced.stderr.contains("recorded as they are") && !synced.stderr.contains("damaged"), "\(synced.stderr)"
    )
    #expect(clone.read("out/b.png") == original.read("out/b.png"))
    #expect(clone.read("swaps.lock.json") == lockfile)
    #expect(try await emulator.stats().apiRequests == requests)
    let after = try FileManager.default.attributesOfItem(atPath: original.path("shared/cache/" + object))
    #expect(
      after[.modificationDate] as? Date == stored[.modificationDate] as? Date,
      "the object is not written again")
  }

  @Test(
    "sync --adopt never records a file with a job another record names for other inputs: the lockfile stays readable"
  )
  func adoptNeverDuplicatesAJob() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    // A bad merge: b.png's record took a.png's job and result, and a.png's record is gone.
    try Self.editLockfile(in: sandbox) { Self.take(&$0, resultOf: "a.png", for: "b.png") }

    let plan = try await sandbox.swapsync(["plan", "--adopt"], emulator: nil)
    #expect(plan.stdout.contains("untracked a.png (its job"), "\(plan.stdout)")
    let adopted = try await sandbox.swapsync(Faults.sync + ["--adopt"], emulator: emulator)
    #expect(adopted.status == 1 && adopted.stderr.contains("a.png: not adopted"), "\(adopted.stderr)")
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 1, "the lockfile is still read")
    #expect(try await emulator.stats().jobsCreated == 2)
  }
}
