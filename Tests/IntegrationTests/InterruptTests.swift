import Foundation
import SwapSyncKit
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP while submits are on the wire (docs/exit-codes.md, "Interrupts"):
/// the answers that arrive within the grace period are recorded, nothing is abandoned, and a
/// plain later run converges without buying anything again.
@Suite("interrupts", .timeLimit(.minutes(3)))
struct InterruptTests {
  struct SignalCase: Sendable, CustomTestStringConvertible {
    var signal: Int32
    var name: String
    var exit: Int32
    var testDescription: String { name }
  }

  static let signals: [SignalCase] = [
    .init(signal: SIGINT, name: "SIGINT", exit: 130), .init(signal: SIGTERM, name: "SIGTERM", exit: 143),
    .init(signal: SIGHUP, name: "SIGHUP", exit: 129),
  ]

  @Test(
    "a first signal with 6 submits on the wire records all 6 job ids; a rerun converges with 0 submits",
    arguments: signals)
  func firstSignalRecordsAnswers(_ signal: SignalCase) async throws {
    // Every submit answer takes 3 s (less than the 5 s grace): the signal lands while all 6 wait.
    // Jobs then run until the test ends them, so a late signal still finds the run polling.
    let emulator = try await Emulator(arguments: ["--job-duration", "10m", "--fault", "submit:slow:3s"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 6))
    let run = try Crash.Run(
      ["sync", "--jobs", "6", "--poll-interval", "20ms"], in: sandbox, emulator: emulator)
    #expect(try await Crash.eventually { try await emulator.stats().submits == 6 })
    #expect(kill(run.pid, signal.signal) == 0)
    let (result, signalled) = await run.finish()
    #expect(!signalled, "swapsync died of the signal instead of stopping")
    #expect(result.status == signal.exit, "\(result.stderr)")
    #expect(result.stderr.contains("interrupted by \(signal.name): 6 job ids recorded"), "\(result.stderr)")
    #expect(result.stderr.contains("run `swapsync sync` again"))
    #expect(result.stderr.contains("\(signal.name) received: stopping"))
    let states = try await Faults.statuses(sandbox)
    #expect(
      states.values.map(\.status).sorted { $0.rawValue < $1.rawValue } == Array(repeating: .running, count: 6)
    )
    #expect(states.values.allSatisfy { $0.jobId != nil })
    #expect(try await emulator.stats().jobsCreated == 6)

    try await emulator.finishAllJobs()
    let rerun = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(rerun.status == 0, "\(rerun.stderr)")
    let stats = try await emulator.stats()
    #expect(stats.submits == 6, "a rerun bought again")
    #expect(stats.maxJobsPerPair == 1)
    #expect(sandbox.files(under: "out").count == 6)
  }

  @Test("a second signal exits at once; the journal keeps every billed submit uncertain, never missing")
  func secondSignalExitsAtOnce() async throws {
    // Answers take far longer than the grace period: only the second signal ends the run.
    let emulator = try await Emulator(arguments: ["--latency", "60s"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.entries(emulator, count: 3))
    // A long grace period: only the second signal can end this run before the answers' 60 s timeout.
    let run = try Crash.Run(
      ["sync", "--jobs", "3", "--interrupt-grace", "10m"], in: sandbox, emulator: emulator)
    #expect(try await Crash.eventually { try await emulator.stats().submits == 3 })
    // Two signals sent together merge into one pending signal: the second waits until the first
    // is handled, and follows it at once (a thread's watch: the run would end by itself once its
    // submits time out, 60 s later).
    run.send(SIGINT, onceStderrContains: "SIGINT received: stopping")
    #expect(kill(run.pid, SIGINT) == 0)
    let (result, signalled) = await run.finish()
    #expect(!signalled)
    #expect(result.status == 130, "\(result.stderr)")
    // At once: no summary, no lockfile yet; the journal alone holds the three intents.
    #expect(!result.stderr.contains("interrupted by"), "\(result.stderr)")
    #expect(!sandbox.exists("swaps.lock.json"))
    let states = try await Faults.statuses(sandbox)
    #expect(states.count == 3)
    #expect(
      states.values.allSatisfy {
        $0.status == .uncertain && $0.detail?.contains("its answer was never recorded") == true
      }, "\(states)")

    // Uncertain is never bought again silently.
    let rerun = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(rerun.status == 1, "\(rerun.stderr)")
    #expect(rerun.stderr.contains("--resubmit uncertain"))
    #expect(try await emulator.stats().submits == 3)
  }

  @Test(
    "--timeout cancels a download that never answers; the entry stays running and the next run collects it")
  func timeoutBoundsDownloads() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    // Every result download waits 60 s before its first byte: only the run's deadline ends it.
    try await emulator.configure(
      #"{"faults":[{"endpoint":"cdn","kind":"slow","arg":"60s","rate":1},"#
        + #"{"endpoint":"discord","kind":"slow","arg":"60s","rate":1}]}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let first = try await sandbox.swapsync(Faults.sync + ["--timeout", "2s"], emulator: emulator)
    #expect(first.status == 75, "\(first.stderr)")
    #expect(first.stderr.contains("--timeout reached"), "\(first.stderr)")
    let states = try await Faults.statuses(sandbox)
    #expect(states.values.allSatisfy { $0.status == .running && $0.jobId != nil }, "\(states)")

    try await emulator.configure(#"{"faults":[]}"#)
    let second = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(try await emulator.stats().submits == 2)
  }

  @Test(
    "--timeout waits for the answers of submits already sent, past --interrupt-grace: none is left uncertain")
  func timeoutWaitsForSubmitAnswers() async throws {
    // Each submit answers after 3 s; the run's time runs out after 1 s, and a signal's grace
    // would end the wait after 0.5 s more.
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms", "--fault", "submit:slow:3s"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let first = try await sandbox.swapsync(
      Faults.sync + ["--timeout", "1s", "--interrupt-grace", "500ms"], emulator: emulator)
    #expect(first.status == 75, "\(first.stderr)")
    let states = try await Faults.statuses(sandbox)
    #expect(states.values.allSatisfy { $0.status == .running && $0.jobId != nil }, "\(states)")
    #expect(try await emulator.stats().jobsCreated == 2)

    try await emulator.configure(#"{"faults":[]}"#)
    let second = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(second.status == 0, "\(second.stderr)")
    #expect(try await emulator.stats().submits == 2)
  }
}
