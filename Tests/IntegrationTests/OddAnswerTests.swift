import Foundation
import SwapSyncKit
import Testing

/// Answers seen in the wild that must never make swapsync give up a paid job (docs/states.md,
/// the money rule; docs/http.md). Each converges to exit 0 with exactly one job per pair and no
/// `--resubmit`, or stops as documented without buying anything.
@Suite("odd answers", .timeLimit(.minutes(3)))
struct OddAnswerTests {
  struct Case: Sendable, CustomTestStringConvertible {
    /// Emulator faults (`--fault` values).
    var faults: [String]
    /// Extra `sync` arguments.
    var sync: [String] = []
    var testDescription: String { faults.joined(separator: " ") }
  }

  static let converging: [Case] = [
    // The first SUCCESS answer has no result URL yet; later ones do.
    .init(faults: ["fetch:successWithoutURL#1"]),
    // The CDN answers once with 200 and a JSON error body instead of the image; then the
    // mirror does too, so only a fresh fetch of the job gets the image.
    .init(faults: ["cdn:jsonBody#1"]),
    .init(faults: ["cdn:jsonBody#1", "discord:jsonBody#1"]),
    // Compressed answers, asked for or not; libcurl decodes them.
    .init(faults: ["submit:gzip"]), .init(faults: ["fetch:gzip"]), .init(faults: ["cdn:gzip"]),
    // Retry-After as an HTTP-date.
    .init(faults: ["submit:retryAfterDate:1#1"]), .init(faults: ["fetch:retryAfterDate:1#1"]),
    // A result server that sends headers, then 1 byte every 200 ms: a stall, retried.
    .init(faults: ["cdn:trickle:200ms#1"], sync: ["--stall-timeout", "1s"]),
    // A submit answered after 3 s of silence is not a stall: the stall floor is for downloads.
    .init(faults: ["submit:slow:3s"], sync: ["--stall-timeout", "1s"]),
  ]

  @Test(
    "a single odd answer never abandons the paid job: exit 0, one job per pair, no --resubmit",
    arguments: converging)
  func converges(_ odd: Case) async throws {
    let emulator = try await Emulator(
      arguments: ["--job-duration", "50ms"] + odd.faults.flatMap { ["--fault", $0] })
    let sandbox = try Sandbox()
    let entries = Faults.twoEntries(emulator)
    try sandbox.writeManifest(entries)
    let result = try await sandbox.swapsync(Faults.sync + odd.sync, emulator: emulator)
    #expect(result.status == 0, "\(odd): \(result.stderr)")
    let stats = try await emulator.stats()
    Faults.tally("odd-\(odd.faults.joined(separator: "+"))", stats)
    #expect((stats.faultsInjected ?? [:]).values.reduce(0, +) > 0, "the fault never fired")
    #expect(stats.jobsCreated == 2)
    #expect(stats.maxJobsPerPair == 1)
    for entry in entries { #expect(isPNG(sandbox.read("out/\(entry.0)")), "\(entry.0)") }
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }

  @Test(
    "a redirect answer to a submit: no job, entries stay missing, exit 69 naming the Location; then converges"
  )
  func redirectOnSubmit() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms", "--fault", "submit:redirect"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let result = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(result.status == 69, "\(result.stderr)")
    #expect(result.stderr.contains("redirect (HTTP 308)"), "\(result.stderr)")
    #expect(result.stderr.contains("/insightFace/v1/elsewhere"), "\(result.stderr)")
    #expect(try await emulator.stats().jobsCreated == 0)
    let states = try await Faults.statuses(sandbox)
    #expect(states.values.allSatisfy { $0.status == .missing }, "\(states)")

    try await emulator.configure(#"{"faults":[]}"#)
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a gzip bomb stops at --max-image-size counted in decoded bytes; nothing is written, the job stays collectable"
  )
  func gzipBombStopsAtTheCap() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "50ms", "--fault", "cdn:gzipBomb:256MiB", "--fault", "discord:gzipBomb:256MiB",
    ])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    let result = try await sandbox.swapsync(Faults.sync + ["--max-image-size", "1MiB"], emulator: emulator)
    #expect(result.status == 75, "\(result.stderr)")
    #expect(result.stderr.contains("larger than --max-image-size"), "\(result.stderr)")
    let entry = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(entry.status == .running && entry.jobId != nil, "\(entry)")
    #expect(!sandbox.exists("out/a.png"))
    let leftovers = Faults.allFiles(sandbox).filter { $0.value.count > 1 << 20 }
    #expect(leftovers.isEmpty, "\(leftovers.keys.sorted())")

    try await emulator.configure(#"{"faults":[]}"#)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(try await emulator.stats().jobsCreated == 1)
  }

  @Test(
    "a result over --max-image-size is this machine's limit: never counted against the paid job, not fetched again"
  )
  func overTheSizeLimitStaysCollectable() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "0ms", "--fault", "cdn:oversizeBody:3MiB", "--fault", "discord:oversizeBody:3MiB",
    ])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    let capped = Faults.sync + ["--max-image-size", "1MiB"]
    #expect(try await sandbox.swapsync(capped, emulator: emulator).status == 75)
    try Faults.backdateSubmits(sandbox)
    var before = try await emulator.stats()
    for run in 2...(Lifecycle.unusableRunLimit + 1) {
      let result = try await sandbox.swapsync(capped, emulator: emulator)
      #expect(result.status == 75, "run \(run): \(result.stderr)")
      #expect(result.stderr.contains("raise --max-image-size"), "run \(run): \(result.stderr)")
      let entry = try #require(try await Faults.statuses(sandbox)["a.png"])
      #expect(entry.status == .running && entry.detail == nil, "run \(run): \(entry)")
      // One fetch and one try per result URL: no fresh URLs asked for a size limit.
      let stats = try await emulator.stats()
      #expect(stats.fetches - before.fetches == 1 && stats.cdn - before.cdn == 2, "run \(run): \(stats)")
      before = stats
    }
    try await emulator.configure(#"{"faults":[]}"#)
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    #expect(isPNG(sandbox.read("out/a.png")))
    #expect(try await emulator.stats().jobsCreated == 1)
  }

  @Test(
    "a result that only grows past --max-image-size when decoded (a gzip bomb) is named as such, not as a big image"
  )
  func decodedPastTheLimit() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "0ms", "--fault", "cdn:gzipBomb:2MiB", "--fault", "discord:gzipBomb:2MiB",
    ])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    let result = try await sandbox.swapsync(Faults.sync + ["--max-image-size", "1MiB"], emulator: emulator)
    #expect(result.status == 75, "\(result.stderr)")
    #expect(result.stderr.contains("once decoded from the gzip encoding it was sent in"), "\(result.stderr)")
    #expect(!result.stderr.contains("raise --max-image-size and run"), "\(result.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .running)
    #expect(!sandbox.exists("out/a.png"))
    #expect(try await emulator.stats().jobsCreated == 1)
  }
}
