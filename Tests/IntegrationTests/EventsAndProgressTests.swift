import Foundation
import SwapSyncKit
import Testing

/// `sync --events` (NDJSON, docs/events.md) and the live progress line on a terminal.
@Suite("events and progress", .timeLimit(.minutes(5)))
struct EventsAndProgressTests {
  @Test("--events writes one JSON object per line: start, every entry's transitions in order, summary last")
  func eventsFollowTheLifecycle() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "50ms", "--fail-when", "face-bob=no face found",
    ])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let result = try await sandbox.swapsync(Faults.sync + ["--events", "events.ndjson"], emulator: emulator)
    #expect(result.status == 1, "\(result.stderr)")
    let lines = String(decoding: sandbox.read("events.ndjson") ?? Data(), as: UTF8.self).split(
      separator: "\n")
    let objects = try lines.map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(objects.first?["type"] as? String == "start")
    #expect(objects.last?["type"] as? String == "summary")
    #expect(objects.last?["exitCode"] as? Int == 1)
    #expect(objects.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true })
    func causes(_ output: String) -> [String] {
      objects.filter { $0["type"] as? String == "entry" && $0["output"] as? String == output }.compactMap {
        $0["cause"] as? String
      }
    }
    #expect(causes("a.png") == ["submitIntended", "jobCreated", "installIntended", "resultInstalled"])
    #expect(causes("b.png") == ["submitIntended", "jobCreated", "serviceFailed"])
    let failed = objects.first {
      $0["output"] as? String == "b.png" && $0["cause"] as? String == "serviceFailed"
    }
    #expect(failed?["message"] as? String == "no face found")
    #expect(failed?["to"] as? String == "failed")
    let installed = objects.first {
      $0["output"] as? String == "a.png" && $0["cause"] as? String == "resultInstalled"
    }
    #expect((installed?["sha256"] as? String)?.count == 64)
  }

  @Test("an adopting run says start first, with the counts its adopted records start from")
  func adoptionComesAfterStart() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try Faults.forgetInstalledResults(sandbox)
    let adopt = try await sandbox.swapsync(
      Faults.sync + ["--adopt", "--events", "events.ndjson"], emulator: emulator)
    #expect(adopt.status == 0, "\(adopt.stderr)")
    let objects = try String(decoding: sandbox.read("events.ndjson") ?? Data(), as: UTF8.self)
      .split(separator: "\n").map {
        try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
    #expect(objects.map { $0["type"] as? String } == ["start", "entry", "entry", "summary"])
    #expect((objects.first?["states"] as? [String: Int]) == ["untracked": 2])
    #expect(objects.dropFirst().prefix(2).allSatisfy { $0["cause"] as? String == "adopted" })
  }

  @Test("an event stream that cannot be written is said so at the end; the run itself goes on")
  func unwritableEvents() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let result = try await sandbox.swapsync(Faults.sync + ["--events", "/dev/full"], emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains("--events /dev/full: could not write: No space left on device"),
      "\(result.stderr)")
    #expect(result.stderr.contains("the event stream is incomplete"), "\(result.stderr)")
    #expect(try await Faults.statuses(sandbox).values.allSatisfy { $0.status == .done })
  }

  @Test("a restore reports each output put back: resultInstalled or copied, from done to done")
  func restoreIsReported() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    // Two outputs of one pair (one download, one copy) and one of another pair.
    let entries = Faults.twoEntries(emulator)
    try sandbox.writeManifest(entries + [("a2.png", entries[0].1, entries[0].2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    for output in ["a.png", "a2.png", "b.png"] {
      try FileManager.default.removeItem(atPath: sandbox.path("out/\(output)"))
    }
    let result = try await sandbox.swapsync(Faults.sync + ["--events", "events.ndjson"], emulator: emulator)
    #expect(result.status == 0, "\(result.stderr)")
    let objects = try String(decoding: sandbox.read("events.ndjson") ?? Data(), as: UTF8.self)
      .split(separator: "\n").map {
        try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
    let restored = objects.filter { $0["type"] as? String == "entry" }
    #expect(
      Set(restored.compactMap { $0["output"] as? String }) == ["a.png", "a2.png", "b.png"], "\(restored)")
    #expect(restored.allSatisfy { $0["from"] as? String == "done" && $0["to"] as? String == "done" })
    #expect(
      restored.allSatisfy { ["resultInstalled", "copied"].contains($0["cause"] as? String ?? "") },
      "\(restored)")
  }

  @Test(
    "on a terminal, sync keeps a status line up to date and erases it before the summary; in a pipe, none")
  func progressOnlyOnATerminal() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "300ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 4))
    // `script` runs swapsync under a pseudo-terminal and copies what it writes to stdout.
    let command = "\(Binaries.swapsync) sync --poll-interval 50ms"
    let tty = try await ProcessRunner.run(
      "/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], cwd: sandbox.root,
      environment: [
        "PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TT_API_KEY": Emulator.apiKey,
        "TTAPI_BASE_URL": emulator.baseURL, "TERM": "xterm",
      ])
    #expect(tty.status == 0, "\(tty.stdout)")
    #expect(tty.stdout.contains("\r\u{1B}[2Kswapsync: 0/4 done"), "\(tty.stdout.debugDescription)")
    #expect(tty.stdout.contains("quota "))
    #expect(tty.stdout.contains("4 outputs: 4 done"))

    try FileManager.default.removeItem(atPath: sandbox.path("out"))
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    let piped = try await sandbox.swapsync(["sync", "--poll-interval", "50ms"], emulator: emulator)
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(!piped.stderr.contains("\u{1B}["), "\(piped.stderr.debugDescription)")
    #expect(!piped.stderr.contains("swapsync: 0/"))
  }
}
