import Foundation
import SwapSyncKit
import Testing

/// `--fault` and the control API accept every new fault kind where it applies, reject it
/// clearly where it does not, and `ttapi-emulator --help` documents every kind.
@Suite("emulator fault syntax", .timeLimit(.minutes(5)))
struct EmulatorFaultSyntaxTests {
  static let newKinds = [
    "gzip", "gzipBomb", "successWithoutURL", "jsonBody", "trickle", "retryAfterDate", "redirect", "cutImage",
  ]

  /// Runs the emulator with `arguments`. A non-loopback host makes an accepted command line fail
  /// at bind time instead of serving forever.
  static func run(_ arguments: [String]) async throws -> CommandResult {
    try await ProcessRunner.run(
      Binaries.emulator, ["--host", "203.0.113.1", "--api-key", "k"] + arguments, cwd: "/",
      environment: Wire.tools)
  }

  @Test(
    "a fault the emulator refuses exits with a message naming the problem",
    arguments: [
      ("submit:gzipBomb", "fault kind 'gzipBomb' does not apply to endpoint 'submit' (only to cdn, discord)"),
      ("fetch:jsonBody", "fault kind 'jsonBody' does not apply to endpoint 'fetch' (only to cdn, discord)"),
      ("cdn:successWithoutURL", "does not apply to endpoint 'cdn' (only to fetch)"),
      ("discord:redirect", "does not apply to endpoint 'discord' (only to submit, fetch)"),
      ("cdn:trickle:soon", "trickle argument must be a duration above zero"),
      ("cdn:trickle:0ms#1", "trickle argument must be a duration above zero"),
      ("submit:redirect:200", "redirect argument must be a 3xx status"),
      ("fetch:retryAfterDate:-1", "retryAfterDate argument must be whole seconds"),
      ("discord:gzipBomb:5GiB", "gzipBomb argument must be a size from 1 byte to 4GiB"),
      ("cdn:gzipp", "unknown fault kind 'gzipp'"),
    ])
  func rejected(spec: String, message: String) async throws {
    let result = try await Self.run(["--fault", spec])
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test("every new kind is accepted where it applies, with and without its argument")
  func accepted() async throws {
    let specs = [
      "submit:gzip", "fetch:gzip@0.5", "cdn:gzip#2", "discord:gzip", "cdn:gzipBomb",
      "discord:gzipBomb:4KiB#1",
      "fetch:successWithoutURL#3", "cdn:jsonBody", "discord:jsonBody@0.1", "cdn:trickle:200ms#1",
      "submit:trickle", "fetch:trickle:1s", "discord:trickle", "submit:retryAfterDate:30#1",
      "cdn:retryAfterDate", "submit:redirect", "fetch:redirect:307#1",
    ]
    let result = try await Self.run(specs.flatMap { ["--fault", $0] })
    // Parsing passed; only the deliberately non-loopback host stopped it.
    #expect(result.stderr.contains("refusing to bind to non-loopback host"), "\(result.stderr)")
  }

  @Test("the control API rejects a kind on the wrong endpoint with the same message")
  func controlAPI() async throws {
    let emulator = try await Emulator()
    let answer = try await Wire.send(
      Wire.request(
        .post, emulator.baseURL + "/_emulator/config",
        json: #"{"faults":[{"endpoint":"submit","kind":"gzipBomb","count":1}]}"#))
    #expect(answer.status == 400)
    #expect(
      String(decoding: answer.body, as: UTF8.self).contains(
        "fault kind 'gzipBomb' does not apply to endpoint 'submit' (only to cdn, discord)"))
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"trickle","arg":"200ms","count":1}]}"#)
  }

  @Test("--help documents every fault kind with its endpoints")
  func help() async throws {
    let result = try await ProcessRunner.run(Binaries.emulator, ["--help"], cwd: "/", environment: Wire.tools)
    #expect(result.status == 0)
    for kind in Self.newKinds {
      #expect(result.stdout.contains("  \(kind)"), "\(kind) missing from --help")
    }
    #expect(result.stdout.contains("gzipBomb[:SIZE (256MiB)] [cdn,discord]"), "\(result.stdout)")
    #expect(result.stdout.contains("trickle[:INTERVAL (500ms)] [any]"), "\(result.stdout)")
  }
}
