import Foundation
import SwapSyncKit
import Testing

/// Injected faults on submit, fetch and download (docs/http.md, docs/states.md): the real binary against the
/// real emulator. Transient answers are retried; uncertain submits are never bought twice
/// silently; fetch and download faults never cost a submit.
@Suite("fault injection", .timeLimit(.minutes(5)))
struct FaultTests {
  // MARK: Certainly not created: retried automatically

  @Test("429 with Retry-After and 499 on submit are retried and end done, one job per pair")
  func transientSubmitAnswersAreRetried() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    try await emulator.configure(
      #"{"faults":[{"endpoint":"submit","kind":"http429","arg":1,"count":2},"#
        + #"{"endpoint":"submit","kind":"http499","count":3}]}"#)
    let sandbox = try Sandbox()
    let entries = Faults.entries(emulator, count: 3)
    try sandbox.writeManifest(entries)
    let result = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let stats = try await emulator.stats()
    Faults.tally("transientSubmit", stats)
    #expect(stats.faultsInjected?["submit:http429"] == 2)
    #expect(stats.faultsInjected?["submit:http499"] == 3)
    #expect(stats.submits == 3 + 5)
    #expect(stats.jobsCreated == 3)
    for (_, target, face) in entries { #expect(stats.jobs(target: target, face: face) == 1) }
    #expect(try await Faults.statuses(sandbox).values.allSatisfy { $0.status == .done })
  }

  @Test(
    "a full account queue (499 from --max-running 2) with --jobs 8 still converges, each pair bought once")
  func queueFullLowersJobsInFlight() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "100ms", "--max-running", "2"])
    let sandbox = try Sandbox()
    let entries = Faults.entries(emulator, count: 10)
    try sandbox.writeManifest(entries)
    let result = try await sandbox.swapsync(Faults.sync + ["--jobs", "8"], emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let stats = try await emulator.stats()
    Faults.tally("queueFull", stats)
    #expect(stats.jobsCreated == 10)
    #expect(stats.pairs.count == 10)
    #expect(stats.maxJobsPerPair == 1)
    // With 8 submits at once against a queue of 2, some were turned away with 499.
    #expect(stats.submits > 10)
    #expect(sandbox.files(under: "out").values.filter(isPNG).count == 10)
  }

  @Test("connection refused on submit is retried until the API comes up, then ends done")
  func refusedConnectionIsRetried() async throws {
    let refusing = try Faults.RefusingPort()
    let port = refusing.port
    let base = "http://127.0.0.1:\(port)"
    let sandbox = try Sandbox()
    let target = base + "/samples/target-beach.png", face = base + "/samples/face-alice.png"
    try sandbox.writeManifest([("a.png", target, face)])
    let run = try Faults.start(sandbox, Faults.sync + ["--verbose"], baseURL: base)
    // The first submit was refused (nothing listens yet) and is waiting to be retried.
    try await run.waitForLog("not accepted")
    refusing.release()
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms", "--port", "\(port)"])
    #expect(emulator.baseURL == base)
    let result = await run.finish()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("could not connect"))
    let stats = try await emulator.stats()
    Faults.tally("connectionRefused", stats)
    #expect(stats.jobs(target: target, face: face) == 1)
    #expect(stats.submits == 1)
    #expect(isPNG(sandbox.read("out/a.png")))
  }

  // MARK: Uncertain: never bought twice silently

  struct UncertainCase: Sendable, CustomTestStringConvertible {
    var kind: String
    /// Whether the emulator creates (and bills) the job before the answer goes wrong.
    var createsJob: Bool
    var testDescription: String { "submit:\(kind)" }
  }

  static let uncertainCases: [UncertainCase] = [
    .init(kind: "http500", createsJob: false), .init(kind: "http504", createsJob: false),
    .init(kind: "html502", createsJob: false), .init(kind: "closeConnection", createsJob: false),
    .init(kind: "invalidJSON", createsJob: true), .init(kind: "ambiguousSubmit", createsJob: true),
    .init(kind: "truncatedBody", createsJob: true), .init(kind: "jobIdTraversal", createsJob: true),
  ]

  @Test(
    "an uncertain submit outcome is left uncertain, not rebought by a rerun, bought once on --resubmit",
    arguments: uncertainCases)
  func uncertainSubmit(_ fault: UncertainCase) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    try await emulator.configure(#"{"faults":[{"endpoint":"submit","kind":"\#(fault.kind)","count":1}]}"#)
    let sandbox = try Sandbox()
    let entries = Faults.twoEntries(emulator)
    try sandbox.writeManifest(entries)
    let first = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(first.status == 1, "\(first.stderr)")
    #expect(first.stderr.contains("swapsync sync --resubmit uncertain"))
    let states = try await Faults.statuses(sandbox)
    let uncertain = try #require(states.values.first { $0.status == .uncertain }, "\(states)")
    #expect(states.values.filter { $0.status == .done }.count == 1)
    #expect(uncertain.jobId == nil)
    #expect(uncertain.detail?.contains("billed") == true)
    let (_, target, face) = try #require(entries.first { $0.0 == uncertain.output })
    let stats = try await emulator.stats()
    Faults.tally("uncertain-\(fault.kind)", stats, uncertain: 1)
    #expect(stats.faultsInjected?["submit:\(fault.kind)"] == 1)
    #expect(stats.submits == 2)
    #expect(stats.jobsCreated == (fault.createsJob ? 2 : 1))
    #expect(stats.maxJobsPerPair == 1)
    #expect(!sandbox.exists("out/\(uncertain.output)"))

    // A plain rerun leaves it alone: no request buys anything.
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 1)
    let afterRerun = try await emulator.stats()
    #expect(afterRerun.submits == stats.submits)
    #expect(afterRerun.jobsCreated == stats.jobsCreated)

    let bought = try await sandbox.swapsync(Faults.sync + ["--resubmit", "uncertain"], emulator: emulator)
    #expect(bought.status == 0, "\(bought.stderr)")
    let final = try await emulator.stats()
    #expect(final.submits == stats.submits + 1)
    #expect(final.jobs(target: target, face: face) == (fault.createsJob ? 2 : 1))
    #expect(isPNG(sandbox.read("out/a.png")) && isPNG(sandbox.read("out/b.png")))
  }

  // MARK: Fetch and download faults: safe to retry, never a new submit

  static let fetchFaults: [(kind: String, arg: String?)] = [
    ("http429", "1"), ("http500", nil), ("http504", nil), ("html502", nil), ("invalidJSON", nil),
    ("closeConnection", nil), ("truncatedBody", nil), ("slow", "300ms"),
  ]

  @Test(
    "fetch faults at rate 0.4 are retried: the run converges with no extra submit",
    arguments: fetchFaults.map { Faults.Spec(endpoint: "fetch", kind: $0.kind, arg: $0.arg, rate: 0.4) })
  func fetchFaultsConverge(_ fault: Faults.Spec) async throws {
    try await convergesDespite(fault)
  }

  @Test(
    "download faults at rate 0.4 are retried: the run converges with no extra submit",
    arguments: ["http500", "closeConnection", "truncatedBody"].map {
      Faults.Spec(endpoint: "cdn", kind: $0, arg: nil, rate: 0.4)
    })
  func cdnFaultsConverge(_ fault: Faults.Spec) async throws {
    try await convergesDespite(fault)
  }

  @Test("polls that only get garbled answers until --timeout: the run says why the job is kept running")
  func garbledPollsAreSaid() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    try await emulator.configure(#"{"faults":[{"endpoint":"fetch","kind":"invalidJSON","rate":1}]}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-office"), emulator.sample("face-carol"))])
    // 5 s: room for the submit and a first poll on a machine loaded by the whole suite.
    let result = try await sandbox.swapsync(Faults.sync + ["--timeout", "5s"], emulator: emulator)
    #expect(result.status == 75, "\(result.stderr)")
    #expect(result.stderr.contains("a.png: the last fetch of job "), "\(result.stderr)")
    #expect(result.stderr.contains("kept as running"), "\(result.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .running)
    #expect(try await emulator.stats().submits == 1)
  }

  @Test("a CDN that keeps failing falls back to the discordImage URL (docs/http.md)")
  func cdnDownFallsBackToDiscord() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"http500","rate":1}]}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-office"), emulator.sample("face-carol"))])
    let result = try await sandbox.swapsync(Faults.sync + ["--timeout", "20s"], emulator: emulator)
    let stats = try await emulator.stats()
    Faults.tally("cdnDown", stats)
    #expect(result.status == 0, "\(result.stderr)")
    #expect((stats.requests["discord"] ?? 0) >= 1, "never tried discordImage")
    #expect(stats.submits == 1)
    #expect(isPNG(sandbox.read("out/a.png")))
  }

  @Test("field drift (job_id, string quota, null message, no discordImage) converges")
  func fieldDriftConverges() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms", "--drift"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 3))
    let result = try await sandbox.swapsync(Faults.sync + ["--json"], emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(summary?["quotaSpent"] as? Int == 6)
    #expect(try await emulator.stats().maxJobsPerPair == 1)
    #expect(sandbox.files(under: "out").values.filter(isPNG).count == 3)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }

  // MARK: Expiring result URLs

  @Test("an expired result URL is refreshed by fetching the job again; no new submit")
  func expiredURLIsRefreshed() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms", "--cdn-ttl", "1s"])
    // The first download is held past the URL's expiry, so it meets 403 "url expired".
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"slow","arg":"1500ms","count":1}]}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-park"), emulator.sample("face-carol"))])
    let result = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let stats = try await emulator.stats()
    Faults.tally("expiredOnce", stats)
    // The expired cdnImage, then the discordImage of the same answer (also expired), then the
    // fresh cdnImage from the re-fetch.
    #expect(stats.cdn == 3)
    #expect(stats.fetches >= 2)
    #expect(stats.submits == 1)
    #expect(isPNG(sandbox.read("out/a.png")))
  }

  @Test(
    "result URLs that are always expired stay collectable until 3 runs and --job-deadline, then lost; --resubmit lost buys once more"
  )
  func alwaysExpiredURLEndsLost() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    // Valid for 1 ms, and every download arrives 20 ms late: expired every time.
    try await emulator.configure(
      #"{"cdnTTLms":1,"faults":[{"endpoint":"cdn","kind":"slow","arg":"20ms","rate":1},"#
        + #"{"endpoint":"discord","kind":"slow","arg":"20ms","rate":1}]}"#)
    let sandbox = try Sandbox()
    let target = emulator.sample("target-park"), face = emulator.sample("face-carol")
    try sandbox.writeManifest([("a.png", target, face)])
    // Three runs minutes apart (a CDN down for a while, cron every minute) end nothing: the job
    // is younger than --job-deadline.
    for run in 1...Lifecycle.unusableRunLimit {
      let early = try await sandbox.swapsync(Faults.sync, emulator: emulator)
      #expect(early.status == 75, "run \(run): \(early.stderr)")
      #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .running)
    }
    let waiting = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(waiting.detail?.contains("given up once --job-deadline has passed") == true, "\(waiting)")
    try Faults.backdateSubmits(sandbox)
    let first = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(first.status == 1, "\(first.stderr)")
    #expect(first.stderr.contains("--resubmit lost"))
    let entry = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(entry.status == .lost)
    #expect(entry.detail?.contains("result unusable in 4 runs") == true, "\(entry.detail ?? "")")
    #expect(entry.detail?.contains("HTTP 403") == true || entry.detail?.contains("HTTP 404") == true)
    var stats = try await emulator.stats()
    Faults.tally("alwaysExpired", stats)
    #expect(stats.submits == 1)
    #expect(stats.cdn >= 2)
    #expect(!sandbox.exists("out/a.png"))

    // Lost is paid for: a plain rerun buys nothing.
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 1)
    #expect(try await emulator.stats().submits == 1)
    try await emulator.configure(#"{"cdnTTLms":3600000,"faults":[]}"#)
    let bought = try await sandbox.swapsync(Faults.sync + ["--resubmit", "lost"], emulator: emulator)
    #expect(bought.status == 0, "\(bought.stderr)")
    stats = try await emulator.stats()
    #expect(stats.submits == 2)
    #expect(stats.jobs(target: target, face: face) == 2)
    #expect(isPNG(sandbox.read("out/a.png")))
  }

  // MARK: Helpers

  private func convergesDespite(_ fault: Faults.Spec) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms", "--seed", "7"])
    try await emulator.configure(#"{"faults":[\#(fault.json)]}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 3))
    let result = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let stats = try await emulator.stats()
    Faults.tally("\(fault.endpoint)-\(fault.kind)", stats)
    #expect((stats.faultsInjected?["\(fault.endpoint):\(fault.kind)"] ?? 0) > 0, "the fault never fired")
    #expect(stats.submits == 3)
    #expect(stats.jobsCreated == 3)
    #expect(stats.maxJobsPerPair == 1)
    #expect(sandbox.files(under: "out").values.filter(isPNG).count == 3)
    #expect(!Faults.allFiles(sandbox).keys.contains { $0.hasSuffix(".part") })
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }
}
