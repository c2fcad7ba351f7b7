import Foundation
import SwapSyncKit
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The S3 cache end to end (docs/cache.md): the real binary against the real emulator and a real
/// S3-compatible server (moto) on loopback that checks every SigV4 signature.
@Suite("cache: S3", .timeLimit(.minutes(5)))
struct S3CacheTests {
  static let cache = ["--cache", "s3://swapsync-cache/team/swaps"]
  static let prefix = "team/swaps/"

  /// A project of `CacheSupport.entries` synced with the S3 cache: every object pushed.
  static func syncedProject(_ emulator: Emulator, _ s3: S3Server) async throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator))
    let synced = try await sandbox.swapsync(
      CacheSupport.sync + cache, emulator: emulator, environment: s3.environment())
    #expect(synced.status == 0, "\(synced.stderr)")
    return sandbox
  }

  @Test(
    "a wrong secret key is refused by the server: the sync still succeeds, push exits 1, nothing is stored")
  func wrongSecretIsRefused() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let s3 = try await S3Server()
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator))
    let wrong = s3.environment(secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let result = try await sandbox.swapsync(
      CacheSupport.sync + Self.cache, emulator: emulator, environment: wrong)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
    #expect(sandbox.files(under: "out").count == 3)
    #expect(try await s3.keys().isEmpty)
    let push = try await sandbox.swapsync(["push"] + Self.cache, emulator: nil, environment: wrong)
    #expect(push.status == 1)
    #expect(push.stderr.contains("SignatureDoesNotMatch"))
    // Neither the secret nor the key id is ever printed or written.
    for text in [result.stderr, result.stdout, push.stderr, push.stdout] {
      #expect(!text.contains(wrong["AWS_SECRET_ACCESS_KEY"]!))
      #expect(!text.contains(s3.secretAccessKey))
    }
    #expect(FileTree(sandbox.root).paths(containing: s3.secretAccessKey).isEmpty)

    let right = try await sandbox.swapsync(
      ["push"] + Self.cache, emulator: nil, environment: s3.environment())
    #expect(right.status == 0, "\(right.stderr)")
    #expect(try await s3.keys().count == 2)
  }

  @Test(
    "sync pushes to S3 (path-style); a fresh clone restores from it (virtual-hosted) with 0 TTAPI requests after the URLs expired"
  )
  func pushThenRestore() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let s3 = try await S3Server()
    let original = try Sandbox()
    try original.writeManifest(CacheSupport.entries(emulator))
    let first = try await original.swapsync(
      CacheSupport.sync + ["--json"] + Self.cache, emulator: emulator, environment: s3.environment())
    #expect(first.status == 0, "\(first.stderr)")
    #expect(CacheSupport.summary(first)["pushedToCache"] as? Int == 2)
    let outputs = original.files(under: "out")
    #expect(
      try await s3.keys().sorted()
        == Set(try outputs.values.map(CacheSupport.key)).map { Self.prefix + $0 }.sorted())
    for bytes in outputs.values {
      let object = try await s3.object(Self.prefix + (try CacheSupport.key(of: bytes)))
      #expect(object.status == 200)
      #expect(Data(object.body) == bytes)
      #expect(object.contentType == "image/png")
    }
    let lock = String(decoding: try #require(original.read("swaps.lock.json")), as: UTF8.self)
    #expect(!lock.contains("swapsync-cache") && !lock.contains(s3.accessKeyID))

    try await CacheSupport.expireResultURLs(emulator)
    let clone = try CacheSupport.clone(of: original)
    // Virtual-hosted addressing: http://swapsync-cache.localhost:PORT/..., which the URL rule
    // counts as a remote host, hence --allow-http.
    var virtual = s3.environment()
    virtual["AWS_ENDPOINT_URL"] = s3.endpoint.replacingOccurrences(of: "127.0.0.1", with: "localhost")
    virtual["AWS_S3_USE_PATH_STYLE"] = "false"
    let requests = try await emulator.totalRequests()
    let restored = try await clone.swapsync(
      CacheSupport.sync + ["--json", "--allow-http"] + Self.cache, emulator: emulator, environment: virtual)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try await emulator.totalRequests() == requests, "the restore asked TTAPI")
    #expect(CacheSupport.summary(restored)["restoredFromCache"] as? Int == 3)
    #expect(clone.files(under: "out") == outputs)
    #expect(clone.read("swaps.lock.json") == original.read("swaps.lock.json"))
    let cached = try await CacheSupport.inCache(clone, environment: virtual, arguments: Self.cache)
    #expect(cached.values.allSatisfy { $0 == true })
  }

  @Test(
    "a damaged S3 object is detected, skipped and reported; the output comes from the CDN; push replaces it")
  func damagedObjectFallsBack() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let s3 = try await S3Server()
    let original = try await Self.syncedProject(emulator, s3)
    let good = try #require(original.read("out/b.png"))
    let key = Self.prefix + (try CacheSupport.key(of: good))
    var damaged = Array(good)
    damaged[damaged.count / 2] ^= 0xFF
    #expect(try await s3.put(key, damaged) == 200)

    let clone = try CacheSupport.clone(of: original)
    let before = try await emulator.stats()
    let result = try await clone.swapsync(
      CacheSupport.sync + ["--json"] + Self.cache, emulator: emulator, environment: s3.environment())
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("damaged"), "\(result.stderr)")
    let after = try await emulator.stats()
    #expect(after.submits == before.submits)
    #expect(after.fetches > before.fetches)
    #expect(after.cdn > before.cdn)
    #expect(CacheSupport.summary(result)["restoredFromCache"] as? Int == 2)
    #expect(clone.files(under: "out") == original.files(under: "out"))
    #expect(Data(try await s3.object(key).body) == good)
  }

  @Test("an unreachable S3 endpoint never fails the sync; the next run pushes, with no TTAPI request")
  func unreachableIsRetried() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let s3 = try await S3Server()
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator))
    var down = s3.environment()
    let refusing = try Faults.RefusingPort()
    down["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(refusing.port)"
    let result = try await sandbox.swapsync(
      CacheSupport.sync + Self.cache, emulator: emulator, environment: down)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("could not connect"), "\(result.stderr)")
    #expect(result.stderr.contains("the next run tries again"))
    let status = try await sandbox.swapsync(["status"] + Self.cache, emulator: nil, environment: down)
    #expect(status.status == 0)
    #expect(status.stdout.contains("not known to be in the cache"))

    let requests = try await emulator.totalRequests()
    let retried = try await sandbox.swapsync(
      CacheSupport.sync + Self.cache, emulator: emulator, environment: s3.environment())
    #expect(retried.status == 0, "\(retried.stderr)")
    #expect(retried.stderr.contains("2 pushed to the cache"), "\(retried.stderr)")
    #expect(try await emulator.totalRequests() == requests)
    #expect(try await s3.keys().count == 2)
    withExtendedLifetime(refusing) {}
  }

  @Test(
    "S3 answering every other request with 503 InternalError: push and restore retry, all objects pushed, a clone restores with 0 TTAPI requests"
  )
  func transientErrorsAreRetried() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let s3 = try await S3Server()
    let flaky = try await FlakyS3Proxy(before: s3, failingEvery: 2)
    let sandbox = try Sandbox()
    try sandbox.writeManifest(CacheSupport.entries(emulator))
    let synced = try await sandbox.swapsync(
      CacheSupport.sync + Self.cache, emulator: emulator, environment: flaky.environment(for: s3))
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(synced.stderr.contains("2 pushed to the cache"), "\(synced.stderr)")
    #expect(!synced.stderr.contains("skipped for the rest of this run"), "\(synced.stderr)")
    #expect(try await s3.keys().count == 2)
    let push = try await sandbox.swapsync(
      ["push"] + Self.cache, emulator: nil, environment: flaky.environment(for: s3))
    #expect(push.status == 0, "\(push.stderr)")

    try await CacheSupport.expireResultURLs(emulator)
    let clone = try CacheSupport.clone(of: sandbox)
    let requests = try await emulator.totalRequests()
    let restored = try await clone.swapsync(
      CacheSupport.sync + Self.cache, emulator: emulator, environment: flaky.environment(for: s3))
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(try await emulator.totalRequests() == requests, "every output came from the cache")
    #expect(clone.files(under: "out") == sandbox.files(under: "out"))
  }

  @Test(
    "an S3 endpoint that takes connections and never answers is given up after --stall-timeout, not an hour")
  func silentServerIsGivenUp() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let s3 = try await S3Server()
    let sandbox = try await Self.syncedProject(emulator, s3)
    let (silent, port) = try LoopbackListener.open()
    defer { close(silent) }
    var environment = s3.environment()
    environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(port)"
    // A fresh clone restores: the cache's GET waits for an answer that never comes.
    let clone = try CacheSupport.clone(of: sandbox)
    let restored = try await clone.swapsync(
      CacheSupport.sync + Self.cache + ["--stall-timeout", "1s"], emulator: emulator, environment: environment
    )
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(restored.stderr.contains("no answer in time"), "\(restored.stderr)")
    #expect(clone.files(under: "out") == sandbox.files(under: "out"), "restored from the job's URLs instead")

    // `push` takes the same limit; nothing is recorded as pushed, so it exits 1.
    let pushed = try await clone.swapsync(
      ["push", "--stall-timeout", "1s"] + Self.cache, emulator: nil, environment: environment)
    #expect(pushed.status == 1, "\(pushed.stderr)")
    #expect(pushed.stderr.contains("no answer in time"), "\(pushed.stderr)")
    let refused = try await clone.swapsync(
      ["push", "--stall-timeout", "0s"] + Self.cache, emulator: nil, environment: environment)
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("--stall-timeout must be more than 0"), "\(refused.stderr)")
  }

  @Test("kill -9 during a push to S3 leaves only complete objects under their content address")
  func killDuringPush() async throws {
    let s3 = try await S3Server()
    let sandbox = try Sandbox()
    let files = try await CacheSupport.adoptLargeOutputs(sandbox, count: 6, size: 4 << 20)
    let run = try CacheSupport.start(
      sandbox, ["push", "--uploads", "2"] + Self.cache, environment: s3.environment())
    // Kill as soon as the first object is done: the others are being uploaded or not started.
    let killed = await CacheSupport.killWhen(run) { run.stderr.contains("[1/6]") }
    #expect(killed, "\(run.stderr)")
    _ = await run.finish()
    let keys = try await s3.keys()
    #expect(keys.count < files.count, "the kill landed after the push")
    for key in keys {
      let object = try await s3.object(key)
      #expect(key.hasSuffix(try TestDigest.sha256(object.body)), "partial or wrong object \(key)")
    }

    let again = try await sandbox.swapsync(
      ["push"] + Self.cache, emulator: nil, environment: s3.environment())
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try await s3.keys().count == files.count)
    for bytes in files.values {
      #expect(Data(try await s3.object(Self.prefix + (try CacheSupport.key(of: bytes))).body) == bytes)
    }
  }
}
