import Foundation
import Testing

/// Plain-http requests (loopback only) never go through a proxy from the environment, so the
/// API key never travels to a proxy in clear text (docs/http.md, "Proxies").
@Suite("proxies", .timeLimit(.minutes(5)))
struct ProxyTests {
  @Test("with http_proxy and HTTP_PROXY pointing at a dead port, a loopback sync still goes direct")
  func loopbackHTTPBypassesTheProxy() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    // curl itself would send these requests to the proxy (and fail to connect): see docs/http.md.
    let refusing = try Faults.RefusingPort()
    let dead = "http://127.0.0.1:\(refusing.port)"
    let result = try await sandbox.swapsync(
      Faults.sync, emulator: emulator,
      environment: ["http_proxy": dead, "HTTP_PROXY": dead, "all_proxy": dead, "ALL_PROXY": dead])
    #expect(result.status == 0, "\(result.stderr)")
    let stats = try await emulator.stats()
    #expect(stats.submits == 2)
    #expect(sandbox.files(under: "out").count == 2)
    withExtendedLifetime(refusing) {}
  }
}
