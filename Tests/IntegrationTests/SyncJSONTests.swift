import Foundation
import Testing

/// docs/exit-codes.md: `sync --json` prints exactly one summary object on stdout whatever the exit
/// code, also when the run stops before it begins; a command line swift-argument-parser cannot
/// parse is the one exception.
@Suite("sync --json always answers", .timeLimit(.minutes(5)))
struct SyncJSONTests {
  static let keys: Set<String> = [
    "attention", "copied", "downloaded", "entries", "error", "exitCode", "lockfile", "outputDir", "polls",
    "pushedToCache", "quotaSpent", "restoredFromCache", "submitsDeferred", "submitted", "warnings",
  ]

  /// The one object on stdout, after checking it is alone there and has every key of a summary.
  static func summary(_ result: CommandResult) throws -> [String: Any] {
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 1, "stdout: \(result.stdout)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any],
      "stdout: \(result.stdout)\nstderr: \(result.stderr)")
    #expect(Set(object.keys) == keys, "\(object.keys.sorted())")
    #expect(object["exitCode"] as? Int == Int(result.status), "\(object)")
    return object
  }

  /// Every count of a run that did nothing is 0.
  static func expectNothingCounted(_ object: [String: Any]) {
    for key in [
      "copied", "downloaded", "polls", "pushedToCache", "quotaSpent", "restoredFromCache", "submitted",
    ] {
      #expect(object[key] as? Int == 0, "\(key): \(object)")
    }
    let entries = object["entries"] as? [String: Int] ?? [:]
    #expect(entries.count == 11 && entries.values.allSatisfy { $0 == 0 }, "\(entries)")
    #expect((object["attention"] as? [Any])?.isEmpty == true)
  }

  @Test("another run holds the lock: 75, and the summary says so, on stdout and in --events")
  func lockHeld() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let holder = try Crash.Run(["sync", "--poll-interval", "20ms"], in: sandbox, emulator: emulator)
    // Once the job is bought the run sits polling it, holding the lock.
    #expect(try await Crash.eventually { try await emulator.stats().submits == 1 })
    let blocked = try await sandbox.swapsync(
      ["sync", "--json", "--no-wait", "--events", "events.ndjson"], emulator: emulator)
    holder.killHard()
    _ = await holder.finish()
    #expect(blocked.status == 75, "\(blocked.stderr)")
    let object = try Self.summary(blocked)
    #expect((object["error"] as? String)?.contains("pid \(holder.pid)") == true, "\(object)")
    #expect(object["outputDir"] as? String == sandbox.path("out"), "\(object)")
    #expect(object["lockfile"] as? String == "swaps.lock.json", "\(object)")
    Self.expectNothingCounted(object)
    let events = String(decoding: sandbox.read("events.ndjson") ?? Data(), as: UTF8.self)
    let last = try #require(events.split(separator: "\n").last, "no events: \(events)")
    let event = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    #expect(event["type"] as? String == "summary" && event["exitCode"] as? Int == 75, "\(event)")
    #expect(try await emulator.stats().submits == 1)
  }

  @Test("a bad manifest or lockfile: 65, a summary with the error and no output folder when unknown")
  func invalidInput() async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.write("swaps.json", #"{"version": 1, "swaps": [{"output": "../a.png"}]}"#)
    let manifest = try await sandbox.swapsync(["sync", "--json"], emulator: emulator)
    #expect(manifest.status == 65, "\(manifest.stderr)")
    let bad = try Self.summary(manifest)
    #expect((bad["error"] as? String)?.hasPrefix("swaps.json: swaps[0]") == true, "\(bad)")
    #expect(bad["outputDir"] is NSNull, "\(bad)")
    Self.expectNothingCounted(bad)

    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    try sandbox.write("swaps.lock.json", #"{"version": 1, "entries": {"../a.png": {}}}"#)
    let lockfile = try await sandbox.swapsync(["sync", "--json"], emulator: emulator)
    #expect(lockfile.status == 65, "\(lockfile.stderr)")
    let refused = try Self.summary(lockfile)
    #expect(
      (refused["error"] as? String)?.contains(#"entries["../a.png"]: output path"#) == true, "\(refused)")
    #expect(refused["outputDir"] as? String == sandbox.path("out"), "\(refused)")
    Self.expectNothingCounted(refused)
    #expect(try await emulator.totalRequests() == 0)
  }

  @Test("usage errors of swapsync's own (64) answer too; one the argument parser refuses does not")
  func usageErrors() async throws {
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", "https://img.example.com/t.png", "https://img.example.com/f.png")])
    for arguments in [["--api-base", "ftp://api.example.com"], ["--jobs", "0"], ["--poll-interval", "0s"]] {
      let result = try await sandbox.swapsync(["sync", "--json"] + arguments, emulator: nil)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      let object = try Self.summary(result)
      #expect((object["error"] as? String)?.isEmpty == false, "\(object)")
    }
    let unparsed = try await sandbox.swapsync(["sync", "--json", "--jobs", "many"], emulator: nil)
    #expect(unparsed.status == 64 && unparsed.stdout.isEmpty, "\(unparsed.stdout)")
  }

  @Test("a run's own summary has every key too, error null when nothing stopped it")
  func normalRun() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let result = try await sandbox.swapsync(
      ["sync", "--json", "--poll-interval", "20ms"], emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let object = try Self.summary(result)
    #expect(object["error"] is NSNull, "\(object)")
    #expect(object["submitted"] as? Int == 1 && (object["entries"] as? [String: Int])?["done"] == 1)
  }

  @Test("a stderr that takes nothing (/dev/full) costs the messages, not the run: exit code and summary hold")
  func stderrFull() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let environment = ["PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TTAPI_BASE_URL": emulator.baseURL]
    let noKey = try await ProcessRunner.run(
      "/bin/sh", ["-c", "exec \"$0\" sync --json 2>/dev/full", Binaries.swapsync], cwd: sandbox.root,
      environment: environment)
    #expect(noKey.status == 77, "\(noKey.stdout)")
    #expect(try Self.summary(noKey)["exitCode"] as? Int == 77)
    let run = try await ProcessRunner.run(
      "/bin/sh",
      ["-c", "exec \"$0\" sync --json --verbose --poll-interval 20ms 2>/dev/full", Binaries.swapsync],
      cwd: sandbox.root, environment: environment.merging(["TT_API_KEY": Emulator.apiKey]) { $1 })
    #expect(run.status == 0, "\(run.stdout)")
    #expect(try Self.summary(run)["submitted"] as? Int == 1)
    #expect(isPNG(sandbox.read("out/a.png")))
  }

  @Test("polls counts fetch requests that could reach TTAPI, not refused connections")
  func pollsCountRequestsMade() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let bought = try await sandbox.swapsync(["sync", "--no-wait", "--json"], emulator: emulator)
    #expect(try Self.summary(bought)["submitted"] as? Int == 1)
    // Polled once at the emulator: one request made.
    let polled = try await sandbox.swapsync(["sync", "--no-wait", "--json"], emulator: emulator)
    #expect(try Self.summary(polled)["polls"] as? Int == 1, "\(polled.stdout)")
    // A port nobody listens on: the poll (one try with --no-wait) is a refused connection, not a
    // request; the job stays running, and the run says why it was not collected.
    let (listener, port) = try LoopbackListener.open()
    close(listener)
    let refused = try await sandbox.swapsync(
      ["sync", "--no-wait", "--json", "--api-base", "http://127.0.0.1:\(port)"], emulator: nil)
    #expect(refused.status == 75, "\(refused.stderr)")
    let summary = try Self.summary(refused)
    #expect(summary["polls"] as? Int == 0, "\(refused.stdout)")
    let warnings = summary["warnings"] as? [String] ?? []
    #expect(warnings.count == 1 && warnings[0].contains("could not connect"), "\(warnings)")
    #expect(refused.stderr.contains("a.png: could not fetch job"), "\(refused.stderr)")
  }

  @Test("--json with --events - is refused (64): stdout still holds exactly one summary object")
  func jsonAndEventsOnStdout() async throws {
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", "https://img.example/t.png", "https://img.example/f.png")])
    let both = try await sandbox.swapsync(["sync", "--json", "--events", "-"], emulator: nil)
    #expect(both.status == 64, "\(both.stderr)")
    let object = try Self.summary(both)
    #expect((object["error"] as? String)?.contains("--events FILE") == true, "\(object)")
    Self.expectNothingCounted(object)
    // The same file under another name is the same stdout.
    let named = try await sandbox.swapsync(["sync", "--json", "--events", "/dev/stdout"], emulator: nil)
    #expect(named.status == 64, "\(named.stderr)")
    _ = try Self.summary(named)
  }
}
