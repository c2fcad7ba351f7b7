import Foundation
import Testing

#if os(Linux)

  /// docs/exit-codes.md, exit 73: an output folder on a full file system or without write permission. Nothing
  /// half-written, lockfile and journal intact, no job lost or bought twice, and a later run with
  /// space converges. The output folder is a small tmpfs (`--out`); the lockfile stays beside the
  /// manifest on the ordinary disk. The tests mount, so they need root (CI runs as root).
  @Suite("disk errors", .timeLimit(.minutes(5)))
  struct DiskErrorTests {
    static let fast = ["--poll-interval", "20ms"]

    /// `count` entries with distinct pairs (`?v=N` on a sample target).
    static func swaps(_ count: Int, _ emulator: Emulator, pad: String = "") -> [(String, String, String)] {
      let targets = ["target-beach", "target-office", "target-park"]
      let faces = ["face-alice", "face-bob", "face-carol"]
      return (0..<count).map { i in
        ("r\(i).png", emulator.sample(targets[i % 3]) + "?v=\(i)\(pad)", emulator.sample(faces[(i / 3) % 3]))
      }
    }

    static func state(_ sandbox: Sandbox, _ mount: Crash.TmpfsMount) throws -> [String: [String: Any]] {
      try Crash.effectiveEntries(
        lockPath: sandbox.path("swaps.lock.json"), journalPath: mount.path + "/.swapsync/journal.jsonl")
    }

    @Test(
      "results that do not fit: exit 73 naming the path, nothing half-written, jobs kept running; with space, no new submit"
    )
    func fullFileSystem() async throws {
      guard let mount = Crash.TmpfsMount.make(size: "200k") else { return }
      defer { mount.unmount() }
      // Every job is bought (and journaled) long before the first result is ready and fills the disk.
      let emulator = try await Emulator(arguments: ["--job-duration", "800ms"])
      let sandbox = try Sandbox()
      let swaps = Self.swaps(24, emulator)  // 24 results of ~12 KiB: about 300 KiB for 200 KiB of room
      try sandbox.writeManifest(swaps)
      let out = ["--out", mount.path, "--jobs", "32"]

      let full = try await sandbox.swapsync(["sync"] + out + Self.fast, emulator: emulator)
      #expect(full.status == 73, "\(full.stderr)")
      #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
      #expect(full.stderr.contains(mount.path), "the message must name the path: \(full.stderr)")
      let bought = try await emulator.stats()
      #expect(bought.submits == swaps.count)
      #expect(bought.maxJobsPerPair == 1)

      // Lockfile and journal intact; every job kept: done with its file, or still running.
      let entries = try Self.state(sandbox, mount)
      var running = 0
      for (output, _, _) in swaps {
        let state = entries[output]?["state"] as? String
        #expect(state == "done" || state == "running", "\(output): \(state ?? "missing")")
        #expect(
          (entries[output]?["jobId"] as? String)?.hasPrefix("SWAP-FACE-") == true, "\(output) lost its job id"
        )
        if state == "running" { running += 1 }
      }
      #expect(running > 0, "the file system never filled up")
      // Nothing half-written: only whole PNGs at output paths, the done ones exactly as recorded.
      let files = Crash.regularFiles(under: mount.path)
      #expect(Set(files.keys).isSubset(of: Set(swaps.map(\.0))), "\(files.keys.sorted())")
      for (output, bytes) in files { #expect(Crash.isCompletePNG(bytes), "\(output): \(bytes.count) bytes") }
      let done = entries.filter { $0.value["state"] as? String == "done" }
      let sums = try await Crash.sha256(ofFiles: done.keys.map { mount.path + "/" + $0 })
      for (output, entry) in done {
        #expect(sums[mount.path + "/" + output] == entry["sha256"] as? String, "\(output)")
      }
      #expect(Crash.partFiles(under: mount.path).allSatisfy { $0.hasPrefix(".swapsync/tmp/") })
      #expect(try await sandbox.swapsync(["status", "--out", mount.path], emulator: nil).status == 75)

      // With room, the same folder converges from the recorded jobs: no new submit.
      try mount.remount(size: "2m")
      let roomy = try await sandbox.swapsync(["sync"] + out + Self.fast, emulator: emulator)
      #expect(roomy.status == 0, "\(roomy.stderr)")
      let after = try await emulator.stats()
      #expect(after.submits == bought.submits)
      #expect(after.jobsCreated == swaps.count)
      #expect(Crash.regularFiles(under: mount.path).count == swaps.count)
      #expect(try await sandbox.swapsync(["verify", "--out", mount.path], emulator: nil).status == 0)
      print(
        "DiskErrorTests: full disk: exit \(full.status), \(swaps.count - running) done, \(running) kept running, "
          + "\(bought.submits) submits; with room: exit \(roomy.status), \(after.submits - bought.submits) new submits"
      )
    }

    @Test("no room for the journal: nothing is submitted whose intent or job id could not be made durable")
    func journalCannotGrow() async throws {
      guard let mount = Crash.TmpfsMount.make(size: "200k") else { return }
      defer { mount.unmount() }
      let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
      let sandbox = try Sandbox()
      let out = ["--out", mount.path, "--no-wait"]
      // A first run with nothing to do sets up the state folder (run lock, empty journal).
      try sandbox.writeManifest([])
      #expect(try await sandbox.swapsync(["sync"] + out, emulator: emulator).status == 0)
      // One entry whose journal lines are ~2.5 KB: its intent fits in one 4 KiB page, intent plus
      // job id do not.
      let swaps = Self.swaps(1, emulator, pad: "&pad=" + String(repeating: "p", count: 2300))
      try sandbox.writeManifest(swaps)

      // Not a byte free: the intent cannot be journaled, so the submit must not leave.
      #expect(try mount.fill(leavingPages: 0) == 0)
      let none = try await sandbox.swapsync(["sync"] + out, emulator: emulator)
      #expect(none.status == 73, "\(none.stderr)")
      #expect(none.stderr.contains("No space left on device"), "\(none.stderr)")
      #expect(none.stderr.contains(mount.path), "\(none.stderr)")
      #expect(try await emulator.stats().submits == 0)
      #expect(try Self.state(sandbox, mount)["r0.png"] == nil)

      // One page free: the intent fits in the journal, intent plus job id do not. The run must stop
      // with 73, and a job it bought must keep its id (the lockfile is on another disk) — or, if it
      // makes sure of room for the answer first, not be bought at all.
      #expect(try mount.fill(leavingPages: 1) == 4096)
      let tight = try await sandbox.swapsync(
        ["sync", "--json", "--events", sandbox.path("events.ndjson")] + out, emulator: emulator)
      #expect(tight.status == 73, "\(tight.stderr)")
      let bought = try await emulator.stats().jobsCreated
      let entry = try Self.state(sandbox, mount)["r0.png"]
      let state = entry?["state"] as? String ?? "missing", jobId = entry?["jobId"] as? String
      if bought == 1 {
        #expect(state == "running", "a received job id was lost: state \(state); stderr: \(tight.stderr)")
        #expect(jobId?.hasPrefix("SWAP-FACE-") == true, "job id \(jobId ?? "none")")
        // What was bought is reported as bought, in the summary and in the event stream.
        #expect(tight.stdout.contains(#""submitted":1"#), "\(tight.stdout)")
        let events = String(decoding: sandbox.read("events.ndjson") ?? Data(), as: UTF8.self)
        #expect(events.contains(#""cause":"jobCreated""#) && events.contains(jobId ?? "none"), "\(events)")
      } else {
        #expect(bought == 0 && state == "missing", "\(bought) jobs, state \(state)")
      }

      // With room: finishes the one job, buys nothing more.
      try FileManager.default.removeItem(atPath: mount.path + "/filler.bin")
      let roomy = try await sandbox.swapsync(["sync", "--out", mount.path] + Self.fast, emulator: emulator)
      #expect(roomy.status == 0, "\(roomy.stderr)")
      let stats = try await emulator.stats()
      #expect(stats.jobsCreated == 1 && stats.submits == 1, "the job was bought again")
      #expect(Crash.isCompletePNG(FileManager.default.contents(atPath: mount.path + "/r0.png")))
    }

    @Test("the lockfile on the full disk too: a job is bought only with journal room for its id")
    func lockfileOnTheFullDisk() async throws {
      guard let mount = Crash.TmpfsMount.make(size: "200k") else { return }
      defer { mount.unmount() }
      let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
      let sandbox = try Sandbox()
      let lock = mount.path + "/swaps.lock.json"
      let place = ["--out", mount.path, "--lock", lock]
      try sandbox.writeManifest([])
      #expect(try await sandbox.swapsync(["sync"] + place, emulator: emulator).status == 0)
      // Lines of ~2.5 KB: the intent fits in the one free page, intent and job id do not, and
      // the lockfile has no room at all.
      try sandbox.writeManifest(Self.swaps(1, emulator, pad: "&pad=" + String(repeating: "p", count: 2300)))
      #expect(try mount.fill(leavingPages: 1) == 4096)
      let tight = try await sandbox.swapsync(["sync", "--no-wait"] + place, emulator: emulator)
      #expect(tight.status == 73, "\(tight.stderr)")
      #expect(tight.stderr.contains("No space left on device"), "\(tight.stderr)")
      let bought = try await emulator.stats().jobsCreated
      let entries = try Crash.effectiveEntries(
        lockPath: lock, journalPath: mount.path + "/.swapsync/journal.jsonl")
      let state = entries["r0.png"]?["state"] as? String ?? "missing"
      #expect(
        bought == 0 && state == "missing" || bought == 1 && state == "running",
        "\(bought) jobs bought, the journal and lockfile say \(state): \(tight.stderr)")

      // With room: the one job is bought or collected, never bought twice, never left uncertain.
      try FileManager.default.removeItem(atPath: mount.path + "/filler.bin")
      let roomy = try await sandbox.swapsync(["sync"] + place + Self.fast, emulator: emulator)
      #expect(roomy.status == 0, "\(roomy.stderr)")
      #expect(try await emulator.stats().jobsCreated == 1)
      #expect(Crash.isCompletePNG(FileManager.default.contents(atPath: mount.path + "/r0.png")))
    }

    @Test(
      "a lockfile that cannot be replaced (read-only folder): exit 73 before any submit; writable, it converges"
    )
    func readOnlyLockfileFolder() async throws {
      guard let mount = Crash.TmpfsMount.make(size: "2m") else { return }
      defer { mount.unmount() }
      let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
      let sandbox = try Sandbox()
      let place = ["--lock", mount.path + "/swaps.lock.json"]
      try sandbox.writeManifest(Self.swaps(1, emulator))
      #expect(try await sandbox.swapsync(["sync"] + place + Self.fast, emulator: emulator).status == 0)
      try mount.remount(readOnly: true)
      try sandbox.writeManifest(Self.swaps(2, emulator))
      let refused = try await sandbox.swapsync(["sync"] + place + Self.fast, emulator: emulator)
      #expect(refused.status == 73, "\(refused.stderr)")
      #expect(
        refused.stderr.contains(mount.path) && refused.stderr.contains("nothing was bought"),
        "\(refused.stderr)")
      #expect(try await emulator.stats().jobsCreated == 1)
      try mount.remount(readOnly: false)
      #expect(try await sandbox.swapsync(["sync"] + place + Self.fast, emulator: emulator).status == 0)
      #expect(try await emulator.stats().jobsCreated == 2)
    }

    @Test("an event stream on a disk that fills up holds whole lines only")
    func eventsOnAFullDisk() async throws {
      guard let mount = Crash.TmpfsMount.make(size: "200k") else { return }
      defer { mount.unmount() }
      let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
      let sandbox = try Sandbox()
      try sandbox.writeManifest(Self.swaps(10, emulator))
      // One page for the events file: the line that crosses its end cannot be written whole.
      #expect(try mount.fill(leavingPages: 1) == 4096)
      let events = mount.path + "/events.ndjson"
      let run = try await sandbox.swapsync(["sync", "--events", events] + Self.fast, emulator: emulator)
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stderr.contains("could not write: No space left on device"), "\(run.stderr)")
      let text = String(decoding: FileManager.default.contents(atPath: events) ?? Data(), as: UTF8.self)
      #expect(text.count > 3000 && text.hasSuffix("\n"), "\(text.count) bytes")
      for line in text.split(separator: "\n") {
        #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "half a line: \(line)")
      }
    }

    @Test("a read-only output folder: exit 73 and not a single submit, fresh or with earlier state")
    func readOnlyOutputFolder() async throws {
      guard let mount = Crash.TmpfsMount.make(size: "2m") else { return }
      defer { mount.unmount() }
      let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
      let sandbox = try Sandbox()
      let swaps = Self.swaps(3, emulator)
      let out = ["--out", mount.path] + Self.fast
      // chmod does not stop root: make the file system itself read-only.
      try sandbox.writeManifest(Array(swaps.prefix(2)))
      try mount.remount(readOnly: true)
      let fresh = try await sandbox.swapsync(["sync"] + out, emulator: emulator)
      #expect(fresh.status == 73, "\(fresh.stderr)")
      #expect(fresh.stderr.contains("Read-only file system"), "\(fresh.stderr)")
      #expect(fresh.stderr.contains(mount.path), "\(fresh.stderr)")
      #expect(try await emulator.stats().apiRequests == 0)

      // A folder that has run before (run lock, journal, outputs exist) and then lost write access.
      try mount.remount(readOnly: false)
      let first = try await sandbox.swapsync(["sync"] + out, emulator: emulator)
      #expect(first.status == 0, "\(first.stderr)")
      #expect(try await emulator.stats().submits == 2)
      let lockBefore = sandbox.read("swaps.lock.json")
      try sandbox.writeManifest(swaps)
      try mount.remount(readOnly: true)
      let stale = try await sandbox.swapsync(["sync"] + out, emulator: emulator)
      #expect(stale.status == 73, "\(stale.stderr)")
      #expect(stale.stderr.contains("Read-only file system"), "\(stale.stderr)")
      #expect(try await emulator.stats().submits == 2)
      #expect(sandbox.read("swaps.lock.json") == lockBefore)

      try mount.remount(readOnly: false)
      let last = try await sandbox.swapsync(["sync"] + out, emulator: emulator)
      #expect(last.status == 0, "\(last.stderr)")
      #expect(try await emulator.stats().submits == 3)
      #expect(try await sandbox.swapsync(["verify", "--out", mount.path], emulator: nil).status == 0)
    }
  }
#endif
