import Foundation
import SwapSyncKit
import Testing

/// Only whole, right results are installed (docs/states.md, docs/http.md): a restore must get the
/// bytes the lockfile records, and never ends a paid entry however many runs it fails in; a body
/// whose end HTTP did not mark must end where its image does.
@Suite("result integrity", .timeLimit(.minutes(3)))
struct ResultIntegrityTests {
  @Test(
    "a restore that gets other bytes than the lockfile records installs nothing and keeps the record, run after run"
  )
  func otherBytesAreRefused() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let first = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    let lockfile = try #require(sandbox.read("swaps.lock.json"))
    let original = try #require(sandbox.read("out/a.png"))
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))

    // Every result URL now serves a well-formed PNG head that is not the job's result.
    try await emulator.configure(
      #"{"faults":[{"endpoint":"cdn","kind":"oversizeBody","arg":"2KiB"},{"endpoint":"discord","kind":"oversizeBody","arg":"2KiB"}]}"#
    )
    for run in 1...(Lifecycle.unusableRunLimit + 1) {
      let result = try await sandbox.swapsync(Faults.sync, emulator: emulator)
      #expect(result.status == 75, "run \(run): \(result.stderr)")
      #expect(result.stderr.contains("is not the one the lockfile records"), "run \(run): \(result.stderr)")
      #expect(result.stderr.contains("the lockfile keeps its record"), "run \(run): \(result.stderr)")
      #expect(sandbox.read("swaps.lock.json") == lockfile, "run \(run) rewrote the lockfile")
      #expect(sandbox.read("out/a.png") == nil, "run \(run) installed other bytes")
      #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .modified)
    }

    try await emulator.configure(#"{"faults":[]}"#)
    let repaired = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(repaired.status == 0, "\(repaired.stderr)")
    #expect(sandbox.read("out/a.png") == original)
    #expect(sandbox.read("swaps.lock.json") == lockfile)
    let stats = try await emulator.stats()
    #expect(stats.submits == 2 && stats.jobsCreated == 2)
  }

  @Test(
    "a result cut short by a closed connection, with no length stated, is not installed; a whole one is, trailer and all"
  )
  func closeDelimitedBodyCutShort() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let png = try #require(sandbox.read("out/a.png"))

    // Both result URLs of new jobs now point at a server that ends its bodies by closing.
    let server = try CloseDelimitedServer(body: Array(png.prefix(png.count / 2)))
    defer { server.stop() }
    try await emulator.configure(#"{"cdnBase":"\#(server.baseURL)"}"#)
    let other = try Sandbox()
    try other.writeManifest([Faults.twoEntries(emulator)[1]])
    let submitted = try await other.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(submitted.status == 75, "\(submitted.stderr)")
    let cut = try await other.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(cut.status == 75, "\(cut.stderr)")
    #expect(cut.stderr.contains("may have been cut short"), "\(cut.stderr)")
    #expect(other.read("out/b.png") == nil)
    #expect(try await Faults.statuses(other)["b.png"]?.status == .running)
    // Cut inside the signature, three runs in a row: still cut short, never counted against the
    // job (three unusable results would fail it).
    for length in [0, 4, 7] {
      server.body.withLock { $0 = Array(png.prefix(length)) }
      let early = try await other.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
      #expect(early.status == 75, "\(length) bytes: \(early.stderr)")
      #expect(early.stderr.contains("cut short"), "\(length) bytes: \(early.stderr)")
    }
    #expect(try await Faults.statuses(other)["b.png"]?.status == .running)
    #expect(
      !(String(decoding: other.read("swaps.lock.json") ?? Data(), as: UTF8.self)).contains("unusableRuns"))

    // A whole image followed by bytes an image tool appended after IEND is whole: installed as sent.
    let trailed = Array(png) + Array("trailer appended after IEND".utf8)
    server.body.withLock { $0 = trailed }
    let whole = try await other.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(whole.status == 0, "\(whole.stderr)")
    #expect(other.read("out/b.png") == Data(trailed))
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a result stored cut short, its length stated, is refused: fetched again for fresh URLs, failed after 3 runs"
  )
  func statedLengthCutShort() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    // Both result URLs serve the first half of the image once; the fresh URLs then serve it whole.
    try await emulator.configure(
      #"{"faults":[{"endpoint":"cdn","kind":"cutImage","count":1},{"endpoint":"discord","kind":"cutImage","count":1}]}"#
    )
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    let recovered = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(recovered.status == 0, "\(recovered.stderr)")
    let whole = try #require(sandbox.read("out/a.png"))
    #expect(ImageType.png.ending(of: Array(whole)) == .whole(length: whole.count))
    #expect(try await Wire.faults(emulator, "cdn:cutImage") == 1)
    #expect(try await Wire.faults(emulator, "discord:cutImage") == 1)

    // Cut every time: never installed; the third run that gets only cut images fails the job.
    try await emulator.configure(
      #"{"faults":[{"endpoint":"cdn","kind":"cutImage"},{"endpoint":"discord","kind":"cutImage"}]}"#)
    let other = try Sandbox()
    try other.writeManifest([Faults.twoEntries(emulator)[1]])
    for run in 1...Lifecycle.unusableRunLimit {
      if run == Lifecycle.unusableRunLimit { try Faults.backdateSubmits(other) }
      let result = try await other.swapsync(Faults.sync, emulator: emulator)
      #expect(result.stderr.contains("the png image is cut short"), "run \(run): \(result.stderr)")
      #expect(other.read("out/b.png") == nil, "run \(run) installed a cut image")
      let expected: EntryStatus = run < Lifecycle.unusableRunLimit ? .running : .failed
      #expect(try await Faults.statuses(other)["b.png"]?.status == expected, "run \(run)")
    }
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a restore served close-delimited is whole when it matches the recorded checksum, whatever its last bytes"
  )
  func closeDelimitedRestoreOfRecordedBytes() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    // The recorded result: a PNG whose first chunk length cannot be walked, with no IEND chunk
    // at its end, served with its length stated (so installed: nothing says it was cut).
    let odd = Wire.pngSignature + [0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 2036)
    let stated = try CloseDelimitedServer(
      body: odd, head: "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 2048\r\n\r\n")
    defer { stated.stop() }
    try await emulator.configure(#"{"cdnBase":"\#(stated.baseURL)"}"#)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    let first = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(first.status == 0, "\(first.stderr)")
    let recorded = try #require(sandbox.read("out/a.png"))
    #expect(recorded == Data(odd))

    let server = try CloseDelimitedServer(body: Array(recorded))
    defer { server.stop() }
    try await emulator.configure(#"{"faults":[],"cdnBase":"\#(server.baseURL)"}"#)
    try FileManager.default.removeItem(atPath: sandbox.path("out/a.png"))
    let restored = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(sandbox.read("out/a.png") == recorded)
  }

  /// Two outputs of one job, `a.png` and `twin.png`, synced; then `a.png`'s record made to name
  /// other bytes (its checksum's first hex digit changed), as a hand edit or a bad merge leaves
  /// it. Returns the records as synced and `a.png`'s edited record.
  static func twinsWithEditedRecord() async throws -> (
    emulator: Emulator, sandbox: Sandbox, recorded: Lockfile, edited: LockEntry
  ) {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let a = Faults.twoEntries(emulator)[0]
    try sandbox.writeManifest([a, ("twin.png", a.1, a.2)])
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let recorded = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    return (emulator, sandbox, recorded, try editRecord(of: "a.png", in: sandbox))
  }

  /// Changes the first hex digit of the checksum the lockfile records for `output`.
  static func editRecord(of output: String, in sandbox: Sandbox) throws -> LockEntry {
    let path = sandbox.path("swaps.lock.json")
    var lock = try #require(try LockfileCodec.read(path: path))
    var edited = try #require(lock.entries[output])
    let sha = try #require(edited.sha256)
    edited.sha256 = (sha.hasPrefix("0") ? "1" : "0") + sha.dropFirst()
    lock.entries[output] = edited
    _ = try LockfileCodec.write(lock, to: path, unlessDigest: nil)
    return edited
  }

  @Test(
    "two records of one job that disagree on its checksum: the one whose file matches wins, and the other is repaired from that file"
  )
  func editedChecksumRepairedFromSibling() async throws {
    let (emulator, sandbox, recorded, _) = try await Self.twinsWithEditedRecord()
    let requests = try await emulator.stats().apiRequests
    let synced = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(try await emulator.stats().apiRequests == requests, "repaired from twin.png, not fetched")
    let lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    #expect(lock.entries["twin.png"] == recorded.entries["twin.png"], "the good record is kept")
    #expect(lock.entries["a.png"]?.sha256 == recorded.entries["a.png"]?.sha256)
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
  }

  @Test(
    "two records of one job that disagree, with no output to settle it: nothing is restored, not even the cache's copy of the wrong bytes, and neither record is rewritten"
  )
  func disputedRecordsBlock() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    let cache = ["--cache", sandbox.path("shared/cache")]
    let (p, q) = (Faults.twoEntries(emulator)[0], Faults.twoEntries(emulator)[1])
    try sandbox.writeManifest([p, ("twin.png", p.1, p.2), ("c.png", q.1, q.2)])
    #expect(try await sandbox.swapsync(Faults.sync + cache, emulator: emulator).status == 0)
    // A bad merge gave a.png the checksum of c.png's result, which the cache holds.
    let path = sandbox.path("swaps.lock.json")
    var lock = try #require(try LockfileCodec.read(path: path))
    let other = try #require(lock.entries["c.png"])
    lock.entries["a.png"]?.sha256 = other.sha256
    lock.entries["a.png"]?.size = other.size
    _ = try LockfileCodec.write(lock, to: path, unlessDigest: nil)
    for name in ["a.png", "twin.png"] {
      try FileManager.default.removeItem(atPath: sandbox.path("out/" + name))
    }
    let plan = try await sandbox.swapsync(["plan"] + cache, emulator: nil)
    #expect(plan.stdout.contains("blocked  a.png, twin.png (the lockfile's records of job"), "\(plan.stdout)")
    for service in [emulator, try await Emulator(arguments: ["--job-duration", "0ms"])] {
      let requests = try await service.stats().apiRequests
      let synced = try await sandbox.swapsync(Faults.sync + cache, emulator: service)
      #expect(synced.status != 0, "\(synced.stderr)")
      #expect(synced.stderr.contains("disagree on its result"), "\(synced.stderr)")
      #expect(!sandbox.exists("out/a.png") && !sandbox.exists("out/twin.png"), "nothing installed")
      #expect(try LockfileCodec.read(path: path)?.entries == lock.entries, "no record rewritten")
      #expect(try await service.stats().apiRequests == requests)
    }
    #expect(try await emulator.stats().jobsCreated == 2)
  }

  @Test(
    "a record edited by hand and its twin's file gone: the record whose bytes are still at an output wins, and its file is copied, with no request"
  )
  func editedRecordAndTwinGone() async throws {
    let (_, sandbox, recorded, _) = try await Self.twinsWithEditedRecord()
    try FileManager.default.removeItem(atPath: sandbox.path("out/twin.png"))
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(
      plan.stdout.contains("restore  a.png, twin.png (its result is already at a.png)"), "\(plan.stdout)")
    // A service that forgot the job: nothing needs it.
    let forgetful = try await Emulator(arguments: ["--job-duration", "0ms"])
    let synced = try await sandbox.swapsync(Faults.sync, emulator: forgetful)
    #expect(synced.status == 0, "\(synced.stderr)")
    let lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    #expect(lock.entries["twin.png"] == recorded.entries["twin.png"], "the good record is kept")
    #expect(lock.entries["a.png"] == recorded.entries["a.png"], "the edited one is repaired")
    #expect(try await sandbox.swapsync(["verify"], emulator: nil).status == 0)
    #expect(try await forgetful.stats().apiRequests == 0)
  }

  @Test(
    "a size or image type edited in the lockfile, its checksum kept: the job's result is installed once and recorded as it is, with no purchase",
    arguments: ["size", "imageType"])
  func editedRecordFieldIsCorrected(field: String) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    let lockfile = try #require(sandbox.read("swaps.lock.json"))
    let original = try #require(sandbox.read("out/a.png"))
    var lock = try #require(try LockfileCodec.read(path: sandbox.path("swaps.lock.json")))
    if field == "size" {
      lock.entries["a.png"]?.size = original.count - 100
    } else {
      lock.entries["a.png"]?.imageType = "jpeg"
    }
    _ = try LockfileCodec.write(lock, to: sandbox.path("swaps.lock.json"), unlessDigest: nil)
    let problem = field == "size" ? "whose bytes are \(original.count) long" : "whose bytes are a png image"

    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains(problem), "\(status.stdout)")
    #expect(!status.stdout.contains("kept in .swapsync/replaced/"), "\(status.stdout)")
    let verify = try await sandbox.swapsync(["verify"], emulator: nil)
    #expect(verify.status == 1 && verify.stdout.contains(problem), "\(verify.stdout)")
    let before = try await emulator.stats()
    let repaired = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(repaired.status == 0, "\(repaired.stderr)")
    #expect(repaired.stderr.contains("is installed and recorded as it is"), "\(repaired.stderr)")
    #expect(
      sandbox.read("swaps.lock.json") == lockfile, "the record is back as the run that bought it wrote it")
    #expect(sandbox.read("out/a.png") == original)
    #expect(!FileManager.default.fileExists(atPath: sandbox.path("out/.swapsync/replaced")))
    // Converged: the next run sends nothing, and nothing was bought.
    let again = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    let after = try await emulator.stats()
    #expect(after.submits == before.submits && after.jobsCreated == 2)
    #expect(after.fetches == before.fetches + 1, "one fetch for the result's URL, in the repairing run only")
  }
}
