import Foundation
import SwapSyncKit
import Testing

/// Server-supplied URLs, job ids and bodies are untrusted (docs/safety.md); deadlines, spend caps
/// and an unreachable API end the run with the contract's states and exit codes
/// (docs/states.md, docs/exit-codes.md).
@Suite("hostile server", .timeLimit(.minutes(5)))
struct HostileServerTests {
  struct HostileCase: Sendable, CustomTestStringConvertible {
    var endpoint: String
    var kind: String
    var arg: String?
    var extra: [String] = []
    var state: EntryStatus
    /// Expected in the entry's message.
    var message: String
    var testDescription: String { "\(endpoint):\(kind)" }
  }

  /// Hostile results: refused every time, in every run. A paid entry stays collectable until the
  /// result was unusable in `Lifecycle.unusableRunLimit` runs; only then does it fail.
  static let hostileCases: [HostileCase] = [
    .init(endpoint: "fetch", kind: "resultFileURL", state: .failed, message: "file:///etc/passwd"),
    .init(endpoint: "fetch", kind: "resultHTTPRemote", state: .failed, message: "http://203.0.113.7"),
    .init(endpoint: "cdn", kind: "redirectToFile", state: .failed, message: "file:///etc/passwd"),
    .init(endpoint: "cdn", kind: "redirectLoop", state: .failed, message: "more than 5 redirects"),
    .init(endpoint: "cdn", kind: "htmlBody", state: .failed, message: "not a JPEG, PNG, WebP or GIF image"),
    .init(endpoint: "cdn", kind: "oversizeBody", arg: "3MiB", state: .failed, message: "cut short"),
    .init(endpoint: "submit", kind: "jobIdTraversal", state: .uncertain, message: "unsafe job id"),
  ]

  @Test(
    "a hostile answer is contained: nothing written outside, the entry fails only after 3 runs of it and its deadline",
    arguments: hostileCases)
  func hostileAnswerIsContained(_ hostile: HostileCase) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let argument = hostile.arg.map { #","arg":"\#($0)""# } ?? ""
    var rules = [#"{"endpoint":"\#(hostile.endpoint)","kind":"\#(hostile.kind)"\#(argument),"rate":1}"#]
    // The result is tried at both of its URLs: make the mirror just as hostile.
    if hostile.endpoint == "cdn" {
      rules.append(rules[0].replacingOccurrences(of: #""cdn""#, with: #""discord""#))
    }
    try await emulator.configure(#"{"faults":[\#(rules.joined(separator: ","))]}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("img/a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let before = Faults.allFiles(sandbox)
    let passwd = Self.fileIdentity("/etc/passwd")
    let tmpEtc = Self.fileIdentity(sandbox.root + "/../etc/passwd")

    var result = try await sandbox.swapsync(Faults.sync + hostile.extra, emulator: emulator)
    if hostile.state != .uncertain {
      // Runs 1 and 2: the paid job stays running, collectable, with the reason said. The job is
      // then made older than --job-deadline, which the third run needs to end it.
      for run in 1..<Lifecycle.unusableRunLimit {
        if run == 2 { try Faults.backdateSubmits(sandbox) }
        #expect(result.status == 75, "run \(run): \(result.stderr)")
        let entry = try #require(try await Faults.statuses(sandbox)["img/a.png"])
        #expect(entry.status == .running, "run \(run): \(entry)")
        #expect(
          entry.detail?.contains("result unusable in \(run) of 3 runs") == true, "\(entry.detail ?? "")")
        #expect(result.stderr.contains(hostile.message), "\(result.stderr)")
        result = try await sandbox.swapsync(Faults.sync + hostile.extra, emulator: emulator)
      }
    }
    #expect(result.status == 1, "\(result.stderr)")
    let entry = try #require(try await Faults.statuses(sandbox)["img/a.png"])
    #expect(entry.status == hostile.state, "\(entry)")
    #expect(entry.detail?.contains(hostile.message) == true, "\(entry.detail ?? "no detail")")
    #expect(result.stderr.contains(hostile.message))
    #expect(result.stderr.contains("--resubmit \(hostile.state.rawValue)"))
    let stats = try await emulator.stats()
    Faults.tally("hostile-\(hostile.kind)", stats, uncertain: hostile.state == .uncertain ? 1 : 0)
    #expect((stats.faultsInjected?["\(hostile.endpoint):\(hostile.kind)"] ?? 0) > 0)
    #expect(stats.submits == 1)
    if hostile.kind == "jobIdTraversal" {
      #expect(entry.jobId == nil)
      #expect(stats.fetches == 0, "the traversal id was used for a fetch")
    }

    // Nothing written but the lockfile and machine state; no output, no temporaries.
    let after = Faults.allFiles(sandbox)
    let added = Set(after.keys).subtracting(before.keys)
    #expect(
      added.allSatisfy { $0 == "swaps.lock.json" || $0.hasPrefix("out/.swapsync/") }, "\(added.sorted())")
    #expect(after.keys.allSatisfy { !$0.hasSuffix(".part") }, "\(after.keys.sorted())")
    #expect(!sandbox.exists("out/img/a.png"))
    for (name, bytes) in after {
      #expect(
        !String(decoding: bytes, as: UTF8.self).contains(Faults.passwdMarker), "\(name) holds /etc/passwd")
    }
    #expect(!result.stdout.contains(Faults.passwdMarker) && !result.stderr.contains(Faults.passwdMarker))
    // Where `out/../../etc/passwd` and `/etc/passwd` itself resolve: untouched.
    #expect(Self.fileIdentity("/etc/passwd") == passwd)
    #expect(Self.fileIdentity(sandbox.root + "/../etc/passwd") == tmpEtc)

    // Paid for once: a rerun does not buy it again.
    #expect(try await sandbox.swapsync(Faults.sync + hostile.extra, emulator: emulator).status == 1)
    #expect(try await emulator.stats().submits == 1)
  }

  @Test("a job with no result within --job-deadline becomes failed: no result after")
  func jobDeadline() async throws {
    // Never done on its own: the 200 ms deadline must pass first, however loaded the machine.
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-bob"))])
    let result = try await sandbox.swapsync(Faults.sync + ["--job-deadline", "200ms"], emulator: emulator)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("no result after"))
    #expect(result.stderr.contains("--resubmit failed"))
    let entry = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(entry.status == .failed)
    #expect(entry.detail?.contains("no result after") == true)
    #expect(entry.jobId != nil)
    #expect(try await emulator.stats().submits == 1)
    #expect(!sandbox.exists("out/a.png"))

    // A job that finished while nobody ran swapsync, its deadline long past, is collected.
    try sandbox.writeManifest([("b.png", emulator.sample("target-park"), emulator.sample("face-bob"))])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try Faults.backdateSubmits(sandbox)
    try await emulator.finishAllJobs()
    let late = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(late.status == 0, "\(late.stderr)")
    #expect(try await Faults.statuses(sandbox)["b.png"]?.status == .done)
    #expect(isPNG(sandbox.read("out/b.png")))

    // Past its deadline too, a SUCCESS without its URL yet is one odd answer: polled again.
    try sandbox.writeManifest([("c.png", emulator.sample("target-office"), emulator.sample("face-bob"))])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try Faults.backdateSubmits(sandbox)
    try await emulator.finishAllJobs()
    try await emulator.configure(#"{"faults":[{"endpoint":"fetch","kind":"successWithoutURL","count":1}]}"#)
    let odd = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(odd.status == 0, "\(odd.stderr)")
    #expect(try await Faults.statuses(sandbox)["c.png"]?.status == .done)
  }

  @Test("--no-wait keeps at most --jobs jobs in flight across runs; plan --no-wait --jobs lists the same")
  func noWaitKeepsJobsInFlight() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 5))
    let cron = Faults.sync + ["--no-wait", "--jobs", "2"]
    let preview = try await sandbox.swapsync(["plan", "--no-wait", "--jobs", "2"], emulator: nil)
    #expect(
      preview.stdout.contains("submits:   2 ") && preview.stdout.contains("held back: 3"), "\(preview.stdout)"
    )
    let first = try await sandbox.swapsync(cron, emulator: emulator)
    #expect(first.status == 75, "\(first.stderr)")
    #expect(first.stderr.contains("3 submits held back"), "\(first.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
    // Both still run: nothing more is submitted.
    let second = try await sandbox.swapsync(cron, emulator: emulator)
    #expect(second.status == 75, "\(second.stderr)")
    #expect(try await emulator.stats().jobsCreated == 2)
    let idle = try await sandbox.swapsync(["plan", "--no-wait", "--jobs", "2"], emulator: nil)
    #expect(idle.stdout.contains("submits:   0 ") && idle.stdout.contains("held back: 3"), "\(idle.stdout)")
    // They end: that run collects them, the next one submits two more, and so on.
    try await emulator.finishAllJobs()
    #expect(try await sandbox.swapsync(cron, emulator: emulator).status == 75)
    #expect(try await emulator.stats().jobsCreated == 2)
    #expect(try await sandbox.swapsync(cron, emulator: emulator).status == 75)
    #expect(try await emulator.stats().jobsCreated == 4)
    // Without --no-wait, --jobs only paces the run.
    try await emulator.finishAllJobs()
    let waiting = try await sandbox.swapsync(
      ["sync", "--jobs", "2", "--poll-interval", "20ms", "--timeout", "1s"], emulator: emulator)
    #expect(waiting.status == 75, "\(waiting.stderr)")
    #expect(try await emulator.stats().jobsCreated == 5)
  }

  @Test("--max-submits 2 buys exactly the 2 entries plan listed, even when one waits out a 429; exit 75")
  func maxSubmitsCapsSpending() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let entries = Faults.entries(emulator, count: 8)
    try sandbox.writeManifest(entries)
    // plan previews the capped run: 2 bought, 6 held back.
    let preview = try await sandbox.swapsync(["plan", "--max-submits", "2"], emulator: nil)
    #expect(preview.status == 2, "\(preview.stdout)")
    #expect(
      preview.stdout.contains("submits:   2 ") && preview.stdout.contains("held back: 6"), "\(preview.stdout)"
    )
    let listed = preview.stdout.split(separator: "\n").filter {
      $0.hasPrefix("  submit") || $0.hasPrefix("  held")
    }
    #expect(listed.map { $0.hasPrefix("  submit") } == [true, true] + Array(repeating: false, count: 6))
    let previewed = Set(
      listed.filter { $0.hasPrefix("  submit") }.compactMap { $0.split(separator: " ").dropFirst().first }
        .map(String.init))
    // The first submit is answered 429 (certainly not created, retried after 1 s). Its place
    // must not go to a held entry while it waits: the run buys what plan listed, no other.
    try await emulator.configure(#"{"faults":[{"endpoint":"submit","kind":"http429","arg":1,"count":1}]}"#)
    let first = try await sandbox.swapsync(
      Faults.sync + ["--max-submits", "2", "--jobs", "1"], emulator: emulator)
    #expect(first.status == 75, "\(first.stderr)")
    #expect(first.stderr.contains("held back by --max-submits"))
    var stats = try await emulator.stats()
    #expect(stats.faultsInjected?["submit:http429"] == 1)
    #expect(stats.submits == 3)
    #expect(stats.jobsCreated == 2)
    let states = try await Faults.statuses(sandbox)
    #expect(Set(states.filter { $0.value.status == .done }.keys) == previewed, "\(preview.stdout)")
    #expect(states.values.filter { $0.status == .missing }.count == 6)

    let second = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(second.status == 0, "\(second.stderr)")
    stats = try await emulator.stats()
    #expect(stats.jobsCreated == 8)
    for (_, target, face) in entries { #expect(stats.jobs(target: target, face: face) == 1) }
    #expect(sandbox.files(under: "out").values.filter(isPNG).count == 8)
  }

  @Test(
    "an API that refuses every connection gives exit 69 within --timeout; nothing is bought or marked paid")
  func unreachableAPIExits69() async throws {
    let refusing = try Faults.RefusingPort()
    let base = "http://127.0.0.1:\(refusing.port)"
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", base + "/samples/target-beach.png", base + "/samples/face-alice.png")
    ])
    let clock = ContinuousClock()
    let started = clock.now
    let result = try await sandbox.swapsync(
      Faults.sync + ["--api-base", base, "--timeout", "5s"], emulator: nil)
    print("FAULT-TALLY unreachable-api exit=\(result.status) took=\(clock.now - started)")
    #expect(result.status == 69, "\(result.stderr)")
    #expect(result.stderr.contains("could not connect"))
    #expect(
      result.stderr.contains("(API base \(base); --api-base or TTAPI_BASE_URL sets it)"), "\(result.stderr)")
    // Certainly not created: still simply missing, bought automatically once the API is back.
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .missing)
    withExtendedLifetime(refusing) {}
  }

  // MARK: Helpers

  /// Size, modification time and a digest of a file's bytes, or nil when it does not exist.
  static func fileIdentity(_ path: String) -> String? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let data = FileManager.default.contents(atPath: path)
    else { return nil }
    let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    return "\(data.count) \(date) \(data.hashValue)"
  }
}
