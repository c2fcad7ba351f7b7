import Foundation
import SwapSyncKit
import Testing

/// The folder cache end to end (docs/cache.md): the real binary against the real emulator, with
/// a cache folder on disk. Pushes after sync, restores with zero requests to TTAPI after every
/// result URL expired, skips a damaged object, survives an unusable cache, and never shows a
/// partial object after `kill -9` during a push.
@Suite("cache: folder", .timeLimit(.minutes(5)))
struct CacheTests {
  @Test("sync pushes every verified output to the cache folder, once; a rerun sends nothing")
  func pushAfterSync() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator), extra: #""cache": "shared/cache","#)
    let result = try await sandbox.swapsync(CacheSupport.sync + ["--json"], emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(CacheSupport.summary(result)["pushedToCache"] as? Int == 2)
    #expect(result.stderr.contains("2 pushed to the cache"))
    let outputs = sandbox.files(under: "out")
    #expect(outputs.count == 3)
    let objects = CacheSupport.folderObjects(sandbox.path("shared/cache"))
    #expect(objects.count == 2)
    for (output, bytes) in outputs {
      #expect(sandbox.read("shared/cache/" + (try CacheSupport.key(of: bytes))) == bytes, "\(output)")
    }
    let tmp = (try? FileManager.default.contentsOfDirectory(atPath: sandbox.path("shared/cache/tmp"))) ?? []
    #expect(tmp.isEmpty)
    #expect(try await CacheSupport.inCache(sandbox).values.allSatisfy { $0 == true })

    let lock = sandbox.read("swaps.lock.json")
    let before = try await emulator.totalRequests()
    let again = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(again.status == 0)
    #expect(again.stderr.contains("nothing to do"))
    #expect(!again.stderr.contains("pushed"))
    #expect(try await emulator.totalRequests() == before)
    #expect(sandbox.read("swaps.lock.json") == lock)
    // The lockfile names no cache, no path, no secret.
    #expect(!String(decoding: try #require(lock), as: UTF8.self).contains("shared/cache"))
  }

  @Test(
    "a fresh clone with a warm cache restores everything with 0 requests to TTAPI, though every result URL expired"
  )
  func restoreFromWarmCache() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let shared = try Sandbox()
    let original = try Sandbox()
    try original.writeManifest(CacheSupport.entries(emulator))
    let first = try await original.swapsync(
      CacheSupport.sync + ["--cache", shared.path("cache")], emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    try await CacheSupport.expireResultURLs(emulator)

    // Without the cache, the clone has to ask TTAPI, and the expired URLs give nothing.
    let uncached = try CacheSupport.clone(of: original)
    let before = try await emulator.stats()
    let failing = try await uncached.swapsync(CacheSupport.sync + ["--no-wait"], emulator: emulator)
    #expect(failing.status != 0, "\(failing.stderr)")
    #expect(try await emulator.stats().fetches > before.fetches)

    let clone = try CacheSupport.clone(of: original)
    let requests = try await emulator.totalRequests()
    let restored = try await clone.swapsync(
      CacheSupport.sync + ["--json", "--cache", shared.path("cache")], emulator: emulator)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try await emulator.totalRequests() == requests, "the restore asked TTAPI")
    #expect(CacheSupport.summary(restored)["restoredFromCache"] as? Int == 3)
    #expect(CacheSupport.summary(restored)["pushedToCache"] as? Int == 0)
    #expect(clone.files(under: "out") == original.files(under: "out"))
    #expect(clone.read("swaps.lock.json") == original.read("swaps.lock.json"))
    #expect(try await clone.swapsync(["verify"], emulator: nil).status == 0)
    let cached = try await CacheSupport.inCache(clone, arguments: ["--cache", shared.path("cache")])
    #expect(cached.values.allSatisfy { $0 == true })
  }

  @Test("a fresh clone of an adopted lockfile restores its outputs from a warm cache, buying nothing")
  func adoptedOutputsFromWarmCache() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let shared = try Sandbox()
    let original = try Sandbox()
    try original.writeManifest(CacheSupport.entries(emulator))
    #expect(try await original.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    // The lockfile is lost and rebuilt by adopting the files, which pushes them to the cache.
    try FileManager.default.removeItem(atPath: original.path("swaps.lock.json"))
    try Faults.forgetInstalledResults(original)
    let adopt = try await original.swapsync(
      CacheSupport.sync + ["--adopt", "--cache", shared.path("cache")], emulator: emulator)
    #expect(adopt.status == 0, "\(adopt.stderr)")

    let clone = try CacheSupport.clone(of: original)
    let blocked = try await clone.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(blocked.status == 1, "without the cache there is nothing to restore from: \(blocked.stderr)")
    let requests = try await emulator.totalRequests()
    let restored = try await clone.swapsync(
      CacheSupport.sync + ["--json", "--cache", shared.path("cache")], emulator: emulator)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try await emulator.totalRequests() == requests, "the restore asked TTAPI")
    #expect(CacheSupport.summary(restored)["restoredFromCache"] as? Int == 3)
    #expect(clone.files(under: "out") == original.files(under: "out"))
    #expect(clone.read("swaps.lock.json") == original.read("swaps.lock.json"))

    // Once the cache is known to hold everything (nothing to push), a deleted adopted output
    // is still worth a run: the cache alone can put it back.
    let name = try #require(clone.files(under: "out").keys.sorted().first)
    try FileManager.default.removeItem(atPath: clone.path("out/" + name))
    let again = try await clone.swapsync(
      CacheSupport.sync + [
        "--json", "--cache", shared.path("cache"), "--events", clone.path("events.ndjson"),
      ],
      emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(CacheSupport.summary(again)["restoredFromCache"] as? Int == 1)
    // Said like any restore: on stderr, and as an entry event from done to done.
    #expect(again.stderr.contains("1 restored from the cache"), "\(again.stderr)")
    let events = String(decoding: clone.read("events.ndjson") ?? Data(), as: UTF8.self)
    #expect(
      events.contains(#""cause":"adopted","from":"done""#) && events.contains("\"output\":\"\(name)\""),
      "\(events)")
    #expect(clone.files(under: "out") == original.files(under: "out"))
    #expect(try await emulator.totalRequests() == requests)
  }

  @Test("a damaged object is detected, skipped and reported; the output comes from the CDN; push repairs it")
  func damagedObjectFallsBack() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let shared = try Sandbox()
    let original = try Sandbox()
    try original.writeManifest(CacheSupport.entries(emulator))
    let cache = ["--cache", shared.path("cache")]
    #expect(try await original.swapsync(CacheSupport.sync + cache, emulator: emulator).status == 0)
    let good = try #require(original.read("out/a.png"))
    let key = try CacheSupport.key(of: good)
    // Same size, other bytes: only the checksum can tell.
    var damaged = good
    damaged[damaged.count / 2] ^= 0xFF
    try damaged.write(to: URL(fileURLWithPath: shared.path("cache/" + key)))

    let clone = try CacheSupport.clone(of: original)
    let before = try await emulator.stats()
    let result = try await clone.swapsync(CacheSupport.sync + ["--json"] + cache, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("damaged"), "\(result.stderr)")
    #expect(result.stderr.contains(key))
    let after = try await emulator.stats()
    #expect(after.submits == before.submits)
    #expect(after.fetches > before.fetches)
    #expect(after.cdn > before.cdn)
    #expect(CacheSupport.summary(result)["restoredFromCache"] as? Int == 1)
    #expect(clone.read("out/a.png") == good)
    #expect(clone.read("out/copy/a.png") == good)
    #expect(clone.files(under: "out") == original.files(under: "out"))
    // The push after the restore replaced the damaged object with verified bytes.
    #expect(shared.read("cache/" + key) == good)
  }

  @Test("a folder where an object goes is named as such and left: never deleted, never called unreachable")
  func folderAtObjectPath() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let shared = try Sandbox()
    let original = try Sandbox()
    try original.writeManifest(CacheSupport.entries(emulator))
    let cache = ["--cache", shared.path("cache")]
    #expect(try await original.swapsync(CacheSupport.sync + cache, emulator: emulator).status == 0)
    let key = try CacheSupport.key(of: try #require(original.read("out/a.png")))
    try FileManager.default.removeItem(atPath: shared.path("cache/" + key))
    try FileManager.default.createDirectory(
      atPath: shared.path("cache/" + key), withIntermediateDirectories: false)

    let clone = try CacheSupport.clone(of: original)
    let result = try await clone.swapsync(CacheSupport.sync + cache, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("a folder is at \(shared.path("cache/" + key))"), "\(result.stderr)")
    #expect(!result.stderr.contains("unreachable"), "\(result.stderr)")
    var isFolder: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: shared.path("cache/" + key), isDirectory: &isFolder))
    #expect(isFolder.boolValue)
  }

  @Test("an unusable cache never fails the sync; the push is retried by the next run, with no TTAPI request")
  func unusableCacheIsRetried() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator), extra: #""cache": "blocked/cache","#)
    // A file where the cache folder's parent should be: nothing can be created there.
    try sandbox.write("blocked", "not a folder")
    let result = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("warning: cache"), "\(result.stderr)")
    #expect(result.stderr.contains("the next run tries again"))
    #expect(sandbox.files(under: "out").count == 3)
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 0)
    #expect(status.stdout.contains("not known to be in the cache"), "\(status.stdout)")
    #expect(try await CacheSupport.inCache(sandbox).values.allSatisfy { $0 == false })
    let push = try await sandbox.swapsync(["push"], emulator: nil)
    #expect(push.status == 1, "\(push.stderr)")
    #expect(push.stderr.contains("FAILED"))

    try FileManager.default.removeItem(atPath: sandbox.path("blocked"))
    let requests = try await emulator.totalRequests()
    let retried = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(retried.status == 0, "\(retried.stderr)")
    #expect(retried.stderr.contains("2 pushed to the cache"), "\(retried.stderr)")
    #expect(!retried.stderr.contains("nothing to do"), "\(retried.stderr)")
    #expect(try await emulator.totalRequests() == requests)
    #expect(CacheSupport.folderObjects(sandbox.path("blocked/cache")).count == 2)
    #expect(try await CacheSupport.inCache(sandbox).values.allSatisfy { $0 == true })
    let afterPush = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(!afterPush.stdout.contains("not known to be in the cache"))

    // `push` checks the cache itself, not the local record: a lost cache is filled again.
    try FileManager.default.removeItem(atPath: sandbox.path("blocked/cache"))
    let refill = try await sandbox.swapsync(["push"], emulator: nil)
    #expect(refill.status == 0, "\(refill.stderr)")
    #expect(refill.stderr.contains("[2/2]"))
    #expect(refill.stderr.contains("2 pushed, 0 already there"))
    #expect(CacheSupport.folderObjects(sandbox.path("blocked/cache")).count == 2)
    try sandbox.writeManifest(CacheSupport.entries(emulator), name: "uncached.json")
    let none = try await sandbox.swapsync(["push", "uncached.json"], emulator: nil)
    #expect(none.status == 64)
    #expect(none.stderr.contains("no cache configured"))
  }

  @Test("sync's push does not warn about an output the run already reports; push still counts it")
  func outputWithoutLocalCopyIsNotWarnedTwice() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator), extra: #""cache": "blocked/cache","#)
    try sandbox.write("blocked", "not a folder")
    #expect(try await sandbox.swapsync(CacheSupport.sync, emulator: emulator).status == 0)
    try FileManager.default.removeItem(atPath: sandbox.path("blocked"))
    // b.png's path now holds a link, which sync refuses (73) and reports; its object has no copy.
    try FileManager.default.removeItem(atPath: sandbox.path("out/b.png"))
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/b.png"), withDestinationPath: "/dev/null")
    let run = try await sandbox.swapsync(CacheSupport.sync, emulator: emulator)
    #expect(run.status == 73, "\(run.stderr)")
    #expect(run.stderr.contains("1 pushed to the cache"), "\(run.stderr)")
    #expect(!run.stderr.contains("not pushed"), "\(run.stderr)")
    let push = try await sandbox.swapsync(["push"], emulator: nil)
    #expect(push.status == 1, "\(push.stderr)")
    #expect(push.stderr.contains("b.png: FAILED: no output file matches the lockfile"), "\(push.stderr)")
  }

  @Test("kill -9 during a push leaves no partial object under a content address; the next push completes")
  func killDuringPush() async throws {
    let sandbox = try Sandbox()
    let files = try await CacheSupport.adoptLargeOutputs(sandbox, count: 6, size: 4 << 20)
    let run = try CacheSupport.start(
      sandbox, ["push", "--cache", "cache", "--uploads", "1"], environment: [:])
    // Kill while an object is being written: its temporary file exists.
    let tmp = sandbox.path("cache/tmp")
    let killed = await CacheSupport.killWhen(run) {
      ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).contains { $0.hasSuffix(".part") }
    }
    #expect(killed, "the push ended before an object was seen in writing: \(run.stderr)")
    _ = await run.finish()
    let objects = CacheSupport.folderObjects(sandbox.path("cache"))
    #expect(objects.count < files.count, "the kill landed after the push")
    for (name, bytes) in objects {
      #expect(try TestDigest.sha256(Array(bytes)) == name, "partial or wrong object \(name)")
    }

    let again = try await sandbox.swapsync(["push", "--cache", "cache"], emulator: nil)
    #expect(again.status == 0, "\(again.stderr)")
    let complete = CacheSupport.folderObjects(sandbox.path("cache"))
    #expect(complete.count == files.count)
    for bytes in files.values { #expect(complete[try TestDigest.sha256(Array(bytes))] == bytes) }
  }

  @Test(
    "a folder cache inside the output folder (or its .swapsync/, or through a link) is refused: 64 for --cache, 65 in the manifest"
  )
  func cacheInsideTheOutputFolder() async throws {
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", "https://img.example/t", "https://img.example/f")])
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: sandbox.path("link"), withDestinationPath: "out")
    for inside in ["out", "out/.swapsync", "out/cache", "link", "link/objects"] {
      let refused = try await sandbox.swapsync(["plan", "--cache", inside], emulator: nil)
      #expect(refused.status == 64, "\(inside): \(refused.stderr)")
      #expect(refused.stderr.contains("is inside the output folder"), "\(refused.stderr)")
    }
    try sandbox.writeManifest(
      [("a.png", "https://img.example/t", "https://img.example/f")], extra: #""cache": "out/objects","#)
    let manifest = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(manifest.status == 65, "\(manifest.stderr)")
    #expect(manifest.stderr.contains("the manifest's cache: the cache folder"), "\(manifest.stderr)")
    #expect(!sandbox.exists("out/objects"))
    // Beside the output folder is fine.
    #expect(try await sandbox.swapsync(["plan", "--cache", "objects"], emulator: nil).status == 2)
  }
}
