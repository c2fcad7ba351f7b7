import Foundation
import Testing

/// TLS through a real endpoint: nginx on loopback with a certificate from a throwaway CA, in front
/// of the emulator (docs/safety.md: TLS verification is never switched off; `--cacert` adds a private CA).
@Suite("TLS through nginx", .timeLimit(.minutes(5)))
struct TLSTests {
  static let fast = ["--poll-interval", "20ms"]

  @Test("with --cacert naming the throwaway CA, sync through the TLS endpoint converges")
  func trustedPrivateCA() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "100ms"])
    let proxy = try await NginxProxy(upstream: emulator.baseURL)
    let ca = try #require(proxy.caPath)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    // No TTAPI_BASE_URL (emulator: nil): the only way to the API is the https base.
    let result = try await sandbox.swapsync(
      ["sync", "--api-base", proxy.baseURL, "--cacert", ca] + Self.fast, emulator: nil)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(isPNG(sandbox.read("out/a.png")) && isPNG(sandbox.read("out/b.png")))
    let stats = try await emulator.stats()
    #expect(stats.submits == 2)
    #expect(stats.maxJobsPerPair == 1)
    // The API calls really went through nginx's TLS listener.
    let log = proxy.accessLog
    #expect(log.components(separatedBy: "POST /insightFace/v1/swap").count - 1 == 2, "\(log)")
    #expect(log.contains("/insightFace/v1/fetch"))
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 0, "\(status.stdout)")
    await proxy.stop()
  }

  /// nil: no `--cacert` (system trust store only); "other": a second throwaway CA that did not sign it.
  @Test(
    "without the right CA the TLS failure stops the run with 69, nothing is sent or written",
    arguments: [nil, "other"] as [String?])
  func untrustedCertificate(cacert: String?) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "100ms"])
    let proxy = try await NginxProxy(upstream: emulator.baseURL)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    var arguments = ["sync", "--api-base", proxy.baseURL] + Self.fast
    let other = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swapsync-ca-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: other) }
    if cacert != nil {
      arguments += ["--cacert", try await TestCA.make(in: other, serverCertificate: false)]
    }
    try await runUntrusted(arguments, sandbox: sandbox, emulator: emulator, proxy: proxy)
    await proxy.stop()
  }

  private func runUntrusted(_ arguments: [String], sandbox: Sandbox, emulator: Emulator, proxy: NginxProxy)
    async throws
  {
    let result = try await sandbox.swapsync(arguments, emulator: nil)
    #expect(result.status == 69, "\(result.stderr)")
    #expect(result.stderr.contains("TLS"), "\(result.stderr)")
    #expect(result.stderr.contains("--cacert"), "\(result.stderr)")
    // The handshake failed before any HTTP request: nothing reached nginx's HTTP layer or the API.
    #expect(try await emulator.stats().submits == 0)
    #expect(try await emulator.totalRequests() == 0)
    #expect(!proxy.accessLog.contains("insightFace"), "\(proxy.accessLog)")
    // No output was written; the only files are the manifest and swapsync's own bookkeeping,
    // and the lockfile (if any) records no job: the entries are certainly not created.
    let tree = FileTree(sandbox.root)
    #expect(sandbox.files(under: "out").isEmpty)
    let unexpected = tree.regularFiles.filter {
      $0 != "swaps.json" && $0 != "swaps.lock.json" && !$0.hasPrefix("out/.swapsync/")
    }
    #expect(unexpected.isEmpty, "\(unexpected)")
    if let lock = sandbox.read("swaps.lock.json") {
      let object = try JSONSerialization.jsonObject(with: lock) as? [String: Any]
      #expect(
        (object?["entries"] as? [String: Any])?.isEmpty == true, "\(String(decoding: lock, as: UTF8.self))")
    }
    let (states, status) = try await sandbox.entryStates()
    #expect(status == 75)
    #expect(states == ["a.png": "missing", "b.png": "missing"])
  }

  @Test("a localhost base URL matches the certificate's DNS name; the CA file alone makes it trusted")
  func localhostName() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let proxy = try await NginxProxy(upstream: emulator.baseURL)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-park"), emulator.sample("face-carol"))])
    let result = try await sandbox.swapsync(
      ["sync", "--api-base", "https://localhost:\(proxy.port)", "--cacert", try #require(proxy.caPath)]
        + Self.fast,
      emulator: nil)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(isPNG(sandbox.read("out/a.png")))
    #expect(try await emulator.stats().submits == 1)
    await proxy.stop()
  }
}
