import Foundation
import Testing

/// docs/safety.md: `kill -9` at any instant leaves no partial output visible and loses no job whose id
/// was received; the next run continues from the journal. A kill between sending a submit and
/// recording its answer makes the entry `uncertain` — never resubmitted silently.
@Suite("kill -9 at any instant", .timeLimit(.minutes(10)))
struct CrashTests {
  /// Kills that must land on a live run (the issue asks for at least 25), and a bound on rounds.
  static let wantedKills = 30
  static let maxRounds = 120
  static let sync = ["sync", "--poll-interval", "20ms", "--jobs", "4"]

  /// The pair behind every output of the manifest the crash test uses.
  struct Layout {
    var pairs: [String: (target: String, face: String)] = [:]
    var distinctPairs: Int { Set(pairs.values.map { $0.target + "\n" + $0.face }).count }
  }

  /// 6 targets × 24 faces (sample images with `?v=N` to make distinct pairs), plus two outputs
  /// that share a pair with the matrix (one job, two files).
  static func writeManifest(_ sandbox: Sandbox, _ emulator: Emulator) throws -> Layout {
    var targets: [String: String] = [:]
    var faces: [String: String] = [:]
    for name in ["beach", "office", "park"] {
      for v in 0..<2 { targets["\(name)\(v)"] = emulator.sample("target-\(name)") + "?v=\(v)" }
    }
    for name in ["alice", "bob", "carol"] {
      for v in 0..<8 { faces["\(name)\(v)"] = emulator.sample("face-\(name)") + "?v=\(v)" }
    }
    var layout = Layout()
    for (t, target) in targets { for (f, face) in faces { layout.pairs["\(f)/\(t).png"] = (target, face) } }
    let swaps = [
      ("shared/first.png", targets["beach0"]!, faces["alice0"]!),
      ("shared/second.png", targets["park1"]!, faces["carol7"]!),
    ]
    for (output, target, face) in swaps { layout.pairs[output] = (target, face) }
    try Crash.writeMatrixManifest(
      sandbox, targets: targets, faces: faces, output: "{face}/{target}.png", swaps: swaps)
    return layout
  }

  @Test(
    "kill -9 at random instants: no partial output, no lost job id, nothing bought twice without --resubmit")
  func killNineAtRandomInstants() async throws {
    let seed =
      ProcessInfo.processInfo.environment["SWAPSYNC_CRASH_SEED"].flatMap { UInt64($0) }
      ?? UInt64.random(in: 1...UInt64(UInt32.max))
    print("CrashTests: seed \(seed) (replay with SWAPSYNC_CRASH_SEED=\(seed))")
    var random = Crash.SeededGenerator(seed: seed)
    let emulator = try await Emulator(arguments: ["--latency", "15ms", "--job-duration", "150ms"])
    let sandbox = try Sandbox()
    let layout = try Self.writeManifest(sandbox, emulator)
    #expect(layout.pairs.count == 146 && layout.distinctPairs == 144)

    var checker = CrashChecker(sandbox: sandbox, emulator: emulator, layout: layout)
    var killed = 0
    var rounds = 0
    for round in 0..<Self.maxRounds where killed < Self.wantedKills {
      rounds += 1
      let run = try Crash.Run(Self.sync, in: sandbox, emulator: emulator)
      // The kill instant is the test's input (seeded), not a synchronisation. Short instants keep
      // each killed run small, so the work outlasts the kills instead of converging early.
      let delay = Int.random(in: 0...200, using: &random)
      run.killHard(afterMilliseconds: delay)
      let (result, signalled) = await run.finish()
      if signalled {
        killed += 1
      } else {
        // It finished before the kill: a complete run that must have ended normally.
        #expect([0, 1].contains(result.status), "round \(round): \(result.stderr)")
      }
      let states = try await checker.check(after: "round \(round) (kill after \(delay) ms)")
      print(
        "CrashTests: round \(round): kill after \(delay) ms: \(signalled ? "killed" : "exited \(result.status)"); \(states)"
      )
    }

    #expect(killed >= 25, "only \(killed) of \(rounds) kills landed on a running sync")

    // Converge without buying anything: uncertain entries stay uncertain (exit 1).
    var converge = CommandResult(status: -1, stdout: "", stderr: "")
    for _ in 0..<3 {
      converge = try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator)
      if [0, 1].contains(converge.status) { break }
    }
    let entries = try Crash.effectiveEntries(
      lockPath: sandbox.path("swaps.lock.json"), journalPath: sandbox.path("out/.swapsync/journal.jsonl"))
    let uncertain = Set(entries.filter { $0.value["state"] as? String == "uncertain" }.keys)
    #expect(converge.status == (uncertain.isEmpty ? 0 : 1), "\(converge.stderr)")
    // Only a kill between send and record makes an entry uncertain.
    #expect(uncertain.isSubset(of: checker.submittingAtKill), "uncertain: \(uncertain.sorted())")
    for (output, entry) in entries where !uncertain.contains(output) {
      #expect(entry["state"] as? String == "done", "\(output): \(entry)")
    }

    // Money: every pair that never was uncertain was bought exactly once; an uncertain one at
    // most once (its submit may never have left before the kill).
    let before = try await emulator.stats()
    var boughtTwice = 0
    for (output, pair) in layout.pairs {
      let jobs = before.jobs(target: pair.target, face: pair.face)
      if jobs > 1 { boughtTwice += 1 }
      #expect(uncertain.contains(output) ? jobs <= 1 : jobs == 1, "\(output): \(jobs) jobs")
    }
    let uncertainPairs = Set(uncertain.map { layout.pairs[$0]!.target + "\n" + layout.pairs[$0]!.face })
    if !uncertain.isEmpty {
      let bought = try await sandbox.swapsync(
        ["sync", "--resubmit", "uncertain", "--poll-interval", "20ms"], emulator: emulator)
      #expect(bought.status == 0, "\(bought.stderr)")
    }
    let after = try await emulator.stats()
    #expect(after.jobsCreated == before.jobsCreated + uncertainPairs.count)
    for (output, pair) in layout.pairs {
      let extra = uncertainPairs.contains(pair.target + "\n" + pair.face) ? 1 : 0
      #expect(
        after.jobs(target: pair.target, face: pair.face) == before.jobs(target: pair.target, face: pair.face)
          + extra,
        "\(output)")
    }

    // Everything is in place, verified, and identical to whatever any kill ever left visible.
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
    #expect(try await sandbox.swapsync(["status"], emulator: nil).status == 0)
    let final = sandbox.files(under: "out")
    #expect(Set(final.keys) == Set(layout.pairs.keys))
    #expect(final.values.allSatisfy(Crash.isCompletePNG))
    #expect(final["shared/first.png"] == final["alice0/beach0.png"])
    #expect(final["shared/second.png"] == final["carol7/park1.png"])
    for (output, bytes) in checker.seen {
      #expect(final[output] == bytes, "\(output) changed after it was visible")
    }
    #expect(Crash.partFiles(under: sandbox.path("out")).isEmpty)
    // A kill during the lockfile's atomic replace must not leave its temporary file behind for good.
    let strays = try FileManager.default.contentsOfDirectory(atPath: sandbox.root).filter {
      $0.hasSuffix(".tmp")
    }
    #expect(strays.isEmpty, "temporary files left beside the lockfile: \(strays)")

    print(
      "CrashTests: seed \(seed): kills survived \(killed) (of \(rounds) rounds); pairs bought twice without --resubmit: "
        + "\(boughtTwice); entries left uncertain by the kills: \(uncertain.count) (\(uncertainPairs.count) pairs, "
        + "\(after.jobsCreated - before.jobsCreated) resubmitted); entries caught between send and record: "
        + "\(checker.submittingAtKill.count); jobs created \(after.jobsCreated) for \(layout.distinctPairs) pairs"
    )
  }
}

/// The checks after every kill.
struct CrashChecker {
  let sandbox: Sandbox
  let emulator: Emulator
  let layout: CrashTests.Layout
  /// Outputs a kill left in `submitting` (between send and record).
  var submittingAtKill = Set<String>()
  /// The bytes first seen at each output path (complete PNGs only).
  var seen: [String: Data] = [:]
  /// Outputs already reported as bought twice (each is reported once, not after every round).
  var boughtTwice = Set<String>()

  /// Returns a one-line census of the entries' states, for the log.
  @discardableResult
  mutating func check(after moment: String) async throws -> String {
    // The lockfile parses and the journal holds only whole JSON lines (plus a torn tail).
    let entries: [String: [String: Any]]
    do {
      entries = try Crash.effectiveEntries(
        lockPath: sandbox.path("swaps.lock.json"), journalPath: sandbox.path("out/.swapsync/journal.jsonl"))
    } catch {
      Issue.record("\(moment): \(error)")
      return "unreadable state"
    }
    // Nothing partial at an output path: every file there is a whole PNG, and it never changes.
    for (output, bytes) in sandbox.files(under: "out") {
      #expect(layout.pairs[output] != nil, "\(moment): unexpected file \(output)")
      #expect(Crash.isCompletePNG(bytes), "\(moment): \(output) is not a complete PNG (\(bytes.count) bytes)")
      if let first = seen[output] {
        #expect(first == bytes, "\(moment): \(output) changed")
      } else if Crash.isCompletePNG(bytes) {
        seen[output] = bytes
      }
    }
    let strayParts = Crash.partFiles(under: sandbox.path("out")).filter { !$0.hasPrefix(".swapsync/tmp/") }
    #expect(strayParts.isEmpty, "\(moment): .part files outside .swapsync/tmp: \(strayParts)")
    // `done` only once the verified file is in place.
    let done = entries.filter { $0.value["state"] as? String == "done" }
    for output in done.keys {
      #expect(sandbox.exists("out/" + output), "\(moment): \(output) done but missing")
    }
    let sums = try await Crash.sha256(
      ofFiles: done.keys.filter { sandbox.exists("out/" + $0) }.map { sandbox.path("out/" + $0) })
    for (output, entry) in done {
      #expect(
        sums[sandbox.path("out/" + output)] == entry["sha256"] as? String, "\(moment): \(output) sha256")
    }
    // No job the emulator created is unknown to the state; none bought twice.
    let stats = try await emulator.stats()
    let known: Set<String> = ["submitting", "running", "done", "uncertain"]
    for (output, pair) in layout.pairs {
      let jobs = stats.jobs(target: pair.target, face: pair.face)
      if jobs > 1 && boughtTwice.insert(output).inserted {
        Issue.record("\(moment): \(output) bought \(jobs) times without --resubmit")
      }
      if jobs >= 1 {
        let state = entries[output]?["state"] as? String ?? "missing"
        #expect(known.contains(state), "\(moment): \(output) has a job at TTAPI but is \(state)")
      }
      if let jobId = entries[output]?["jobId"] as? String {
        #expect(jobId.hasPrefix("SWAP-FACE-"), "\(moment): \(output) job id \(jobId)")
      }
    }
    for (output, entry) in entries where entry["state"] as? String == "submitting" {
      submittingAtKill.insert(output)
    }
    let census = Dictionary(grouping: entries.values, by: { $0["state"] as? String ?? "?" }).mapValues(
      \.count)
    return census.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
  }
}
