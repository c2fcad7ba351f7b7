import Foundation
import SwapSyncKit
import Testing

/// Result URLs are signed (`?ex=…&sig=…`) and swapsync never stores them (docs/http.md): a refused
/// result URL or redirect hop is named without its query in the lockfile meant for commit, on
/// stderr (`--verbose` included), in the events and in `status`.
@Suite("signed result URLs", .timeLimit(.minutes(3)))
struct SignedURLTests {
  /// Refused before any connection: plain http to a host that is not loopback.
  static let remote = "http://10.99.0.1:8099"

  @Test("a refused result URL is recorded and shown without its query")
  func refusedResultURL() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    try await emulator.configure(#"{"cdnBase":"\#(Self.remote)"}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    try await Self.expectNoSignature(in: sandbox, emulator: emulator, named: "result URL \(Self.remote)/")
  }

  @Test("a refused redirect hop from a result URL is recorded and shown without its query")
  func refusedRedirectHop() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    // The result URLs point at a loopback server that sends every download on to a signed
    // URL on a remote host, which the URL rule refuses.
    let hop = "\(Self.remote)/attachments/x.png?ex=1a22dcdb958&is=1&sig=468cfeedbeef#frag"
    let server = try CloseDelimitedServer(
      body: [],
      head: "HTTP/1.1 302 Found\r\nLocation: \(hop)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    defer { server.stop() }
    try await emulator.configure(#"{"cdnBase":"\#(server.baseURL)"}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    try await Self.expectNoSignature(
      in: sandbox, emulator: emulator, named: "refused URL \(Self.remote)/attachments/x.png?…")
  }

  /// Runs `sync --verbose` with events, then `status` and `status --json`: each names the refused
  /// URL as `named` says, and none holds a signature or the signed query.
  static func expectNoSignature(in sandbox: Sandbox, emulator: Emulator, named: String) async throws {
    let run = try await sandbox.swapsync(
      Faults.sync + ["--verbose", "--events", "events.ndjson"], emulator: emulator)
    #expect(run.status == 75, "\(run.stderr)")
    let lockfile = String(decoding: try #require(sandbox.read("swaps.lock.json")), as: UTF8.self)
    let events = String(decoding: sandbox.read("events.ndjson") ?? Data(), as: UTF8.self)
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    let json = try await sandbox.swapsync(["status", "--json"], emulator: nil)
    // The refusal is said everywhere (so the checks below look at the right text) ...
    let said: [(String, String)] = [
      ("lockfile", lockfile), ("stderr", run.stderr), ("events", events), ("status", status.stdout),
      ("status --json", json.stdout),
    ]
    for (place, text) in said {
      #expect(
        text.contains(named) || text.contains(named.replacingOccurrences(of: "/", with: "\\/")),
        "\(place): \(text)")
      // ... and never with its signature.
      #expect(!text.contains("sig="), "\(place): \(text)")
      #expect(!text.contains("ex="), "\(place): \(text)")
    }
    #expect(lockfile.contains("?…"), "\(lockfile)")
  }
}
