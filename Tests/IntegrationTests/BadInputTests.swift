import Foundation
import Testing

/// Malformed manifests, lockfiles and journals (docs/manifest.md, docs/exit-codes.md: exit 65,
/// "nothing was done"): the real binary against a running emulator that must count zero requests,
/// in a sandbox that must be byte-for-byte unchanged afterwards.
@Suite("bad input", .timeLimit(.minutes(5)))
struct BadInputTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/bad-manifests")

  /// expected.json: fixture file name → the message after "<manifest path>: ".
  static let index: [String: String] = {
    guard let data = try? Data(contentsOf: folder.appendingPathComponent("expected.json")),
      let decoded = try? JSONDecoder().decode([String: String].self, from: data)
    else { return [:] }
    return decoded
  }()

  static let fixtures: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasSuffix(".json") && $0 != "expected.json" }.sorted()
  }()

  /// Every command that reads the manifest. `prune` without `--dry-run`: it must not delete either;
  /// `gallery` must not write its page.
  static let commands: [[String]] = [
    ["sync", "--poll-interval", "20ms"], ["plan"], ["status"], ["verify"], ["prune"],
    ["push", "--cache", "cache"], ["gallery"],
  ]

  @Test("the fixture index is complete and there are at least 40 malformed manifests")
  func fixtureIndex() {
    #expect(Self.fixtures.count >= 40)
    #expect(Set(Self.index.keys) == Set(Self.fixtures))
  }

  @Test(
    "a malformed manifest gives 65 naming the place, with zero requests and nothing touched",
    arguments: fixtures)
  func malformedManifest(name: String) async throws {
    let expected = try #require(Self.index[name], "no entry for \(name) in expected.json")
    let emulator = try await Emulator()
    try await expectRejected(emulator: emulator, message: "swaps.json: " + expected) { sandbox in
      try FileManager.default.copyItem(
        atPath: Self.folder.appendingPathComponent(name).path, toPath: sandbox.path("swaps.json"))
    }
  }

  /// Exactly at the cap the file is read (plan: 2, work pending); one byte more is refused.
  @Test("a manifest over 32 MiB is refused with 65 and nothing touched", arguments: [0, 1])
  func hugeManifest(extra: Int) async throws {
    let emulator = try await Emulator()
    let head =
      #"{"version": 1, "swaps": [{"output": "a.png", "targetImage": "\#(emulator.sample("target-beach"))", "swapImage": "\#(emulator.sample("face-alice"))"}],"#
    let tail = #""outputDir": "out"}"#
    let size = 32 << 20 + extra
    var bytes = Array(head.utf8)
    bytes += [UInt8](repeating: UInt8(ascii: "\n"), count: size - head.utf8.count - tail.utf8.count)
    bytes += Array(tail.utf8)
    #expect(bytes.count == size)
    let manifest = Data(bytes)
    if extra == 0 {
      let sandbox = try Sandbox()
      try manifest.write(to: URL(fileURLWithPath: sandbox.path("swaps.json")))
      let plan = try await sandbox.swapsync(["plan"], emulator: emulator)
      #expect(plan.status == 2, "\(plan.stderr)")
    } else {
      try await expectRejected(emulator: emulator, message: "swaps.json: manifest is larger than 32 MiB") {
        sandbox in
        try manifest.write(to: URL(fileURLWithPath: sandbox.path("swaps.json")))
      }
    }
  }

  struct BadState: CustomTestStringConvertible, Sendable {
    var name: String
    var file: String
    var bytes: [UInt8]
    var message: String
    var testDescription: String { name }

    init(_ name: String, _ text: String, _ message: String, file: String = "swaps.lock.json") {
      self.init(name, bytes: Array(text.utf8), message, file: file)
    }
    init(_ name: String, bytes: [UInt8], _ message: String, file: String = "swaps.lock.json") {
      (self.name, self.file, self.bytes, self.message) = (name, file, bytes, message)
    }
  }

  static let entry =
    #""targetImage": "https://img.example.com/t.png", "swapImage": "https://img.example.com/f.png""#
  static let done =
    #"{"a.png": {\#(entry), "state": "done", "jobId": "J1", "sha256": "\#(String(repeating: "ab", count: 32))", "size": 3, "imageType": "png"}}"#

  /// A lockfile as swapsync lays it out, one entry whose fields are one a line: the entry's key is
  /// at line 3, column 5, and the field at `index` of `fields` at line 4 + index, column 7.
  static func pretty(_ output: String, _ fields: [(String, String)]) -> String {
    let members = fields.map { #"      "\#($0.0)" : \#($0.1)"# }.joined(separator: ",\n")
    return "{\n  \"entries\" : {\n    \"\(output)\" : {\n\(members)\n    }\n  },\n  \"version\" : 1\n}\n"
  }

  /// The fields of a done entry for the manifest's one output, with `changes` made.
  static func doneFields(_ changes: [String: String] = [:]) -> [(String, String)] {
    let fields = [
      ("finishedAt", #""2026-11-30T06:12:41Z""#), ("imageType", #""png""#), ("jobId", #""SWAP-FACE-1""#),
      ("quota", "2"), ("sha256", "\"\(String(repeating: "ab", count: 32))\""), ("size", "3"),
      ("state", #""done""#), ("submittedAt", #""2026-11-30T06:12:39Z""#),
      ("swapImage", #""https://img.example.com/f.png""#),
      ("targetImage", #""https://img.example.com/t.png""#),
    ]
    return fields.map { ($0.0, changes[$0.0] ?? $0.1) }
  }

  static let badStates: [BadState] = [
    BadState(
      "garbage text", "this is not a lockfile\n", "swaps.lock.json: not a valid lockfile: invalid JSON"),
    BadState(
      "binary garbage", bytes: [0xFF, 0xFE, 0x00, 0x7B, 0x80, 0xC3, 0x28, 0x0A],
      "swaps.lock.json: not a valid lockfile"),
    BadState("empty file", "", "swaps.lock.json: not a valid lockfile: the file is empty"),
    BadState(
      "truncated", #"{"version": 1, "entries": {"a.png": {"#,
      "swaps.lock.json: not a valid lockfile: invalid JSON"),
    BadState("JSON array", "[1, 2]\n", "swaps.lock.json: "),
    BadState(
      "wrong version", #"{"version": 2, "entries": {}}"#,
      "swaps.lock.json: lockfile version 2 is not supported"),
    BadState("version missing", #"{"entries": {}}"#, "swaps.lock.json: version: missing"),
    BadState("version as string", #"{"version": "1", "entries": {}}"#, "swaps.lock.json: version"),
    BadState(
      "entries not an object", #"{"version": 1, "entries": []}"#,
      "swaps.lock.json: entries: expected an object"),
    BadState(
      "unknown state", #"{"version": 1, "entries": {"a.png": {\#(entry), "state": "exploded"}}}"#,
      #"swaps.lock.json: entries["a.png"].state: unknown state"#),
    BadState(
      "entry missing its inputs", #"{"version": 1, "entries": {"a.png": {"state": "done"}}}"#,
      #"swaps.lock.json: entries["a.png"].targetImage: missing"#),
    BadState(
      "size as text", #"{"version": 1, "entries": {"a.png": {\#(entry), "state": "done", "size": "big"}}}"#,
      #"swaps.lock.json: entries["a.png"].size: expected an integer"#),
    BadState(
      "one output twice, from a merge that kept both sides",
      "{\"version\": 1,\n \"entries\": {\n  \"a.png\": {\(entry), \"state\": \"failed\", \"message\": \"m\"},"
        + "\n  \"a.png\": {\(entry), \"state\": \"failed\", \"message\": \"m\"}\n}}\n",
      #"swaps.lock.json: line 4, column 3: duplicate key "a.png" (first at line 3, column 3)"#),
    BadState(
      "a key a lockfile entry does not have",
      #"{"version": 1, "entries": {"a.png": {\#(entry), "state": "failed", "mesage": "m"}}}"#,
      #"swaps.lock.json: line 1, column 151: unknown key "mesage" in entries["a.png"] (did you mean "message"?)"#
    ),
    // Values of the right type in a form swapsync never writes (docs/lockfile.md): refused at the
    // line and column of their key, not read into a plan. An ftp:// input made the entry stale,
    // and sync bought a new job.
    BadState(
      "an entry key leaving the output folder", pretty("../evil.png", doneFields()),
      #"swaps.lock.json: line 3, column 5: entries["../evil.png"]: output path contains a ".." segment"#),
    BadState(
      "an absolute entry key", pretty("/etc/evil.png", doneFields()),
      #"swaps.lock.json: line 3, column 5: entries["/etc/evil.png"]: output path must be relative"#),
    BadState(
      "an entry key inside the state folder", pretty(".swapsync/journal.jsonl", doneFields()),
      #"swaps.lock.json: line 3, column 5: entries[".swapsync/journal.jsonl"]: output path is inside ".swapsync/""#
    ),
    BadState(
      "an ftp:// input", pretty("a.png", doneFields(["targetImage": #""ftp://img.example.com/t.png""#])),
      #"swaps.lock.json: line 13, column 7: entries["a.png"].targetImage: not an https URL (scheme "ftp" is not allowed)"#
    ),
    BadState(
      "a job id that is a path",
      pretty("a.png", doneFields(["jobId": #""../../v1/fetch""#, "state": #""running""#])),
      #"swaps.lock.json: line 6, column 7: entries["a.png"].jobId: not a TTAPI job id"#),
    BadState(
      "an uppercase checksum",
      pretty("a.png", doneFields(["sha256": "\"\(String(repeating: "AB", count: 32))\""])),
      #"swaps.lock.json: line 8, column 7: entries["a.png"].sha256: expected 64 lowercase hex digits"#),
    BadState(
      "a negative quota", pretty("a.png", doneFields(["quota": "-2"])),
      #"swaps.lock.json: line 7, column 7: entries["a.png"].quota: must not be negative, found -2"#),
    BadState(
      "a time in another format", pretty("a.png", doneFields(["submittedAt": #""2026-11-30 06:12:39""#])),
      #"swaps.lock.json: line 11, column 7: entries["a.png"].submittedAt: expected a UTC time like 2026-11-30T06:12:41Z"#
    ),
    BadState(
      "a journal record with a job id that is a path",
      #"{"a.png":{"jobId":"a/b","state":"running","swapImage":"https://img.example.com/f.png","targetImage":"https://img.example.com/t.png"}}"#
        + "\n",
      #"journal.jsonl: line 1 is corrupt (column 11: ["a.png"].jobId: not a TTAPI job id"#,
      file: "out/.swapsync/journal.jsonl"),
    // A journal line that is not the torn final one holds facts that must not be dropped silently.
    BadState(
      "corrupt journal line", "{garbage}\n{\"more\": 1}\n", "journal.jsonl: line 1 is corrupt",
      file: "out/.swapsync/journal.jsonl"),
  ]

  @Test(
    "a corrupt lockfile or journal gives 65 naming the file, with zero requests and nothing touched",
    arguments: badStates)
  func corruptState(bad: BadState) async throws {
    let emulator = try await Emulator()
    try await expectRejected(emulator: emulator, message: bad.message) { sandbox in
      // A valid manifest whose only entry is recorded as done in a valid lockfile: with the
      // output present the run would have nothing to do; with it missing it would fetch.
      try sandbox.writeManifest([("a.png", "https://img.example.com/t.png", "https://img.example.com/f.png")])
      if bad.file != "swaps.lock.json" {
        // The state folder as an earlier run left it.
        try sandbox.write("swaps.lock.json", #"{"version": 1, "entries": \#(Self.done)}"#)
        try sandbox.write("out/.swapsync/run.lock", "4242\n")
        try FileManager.default.createDirectory(
          atPath: sandbox.path("out/.swapsync/tmp"), withIntermediateDirectories: true)
      }
      try sandbox.write(bad.file, "")
      try Data(bad.bytes).write(to: URL(fileURLWithPath: sandbox.path(bad.file)))
    }
  }

  /// Runs every command, each in a fresh sandbox made by `setup`: each must exit 65 with `message`
  /// on stderr, send nothing and write nothing. An existing run lock may be taken (its PID
  /// rewritten) before the lockfile and journal are read under it; creating a folder is a change.
  private func expectRejected(
    emulator: Emulator, message: String, setup: (Sandbox) throws -> Void
  ) async throws {
    for command in Self.commands {
      let sandbox = try Sandbox()
      try setup(sandbox)
      let before = FileTree(sandbox.root)
      let result = try await sandbox.swapsync(command, emulator: emulator)
      #expect(result.status == 65, "\(command[0]): exit \(result.status): \(result.stderr)")
      #expect(result.stderr.contains(message), "\(command[0]): \(result.stderr)")
      #expect(result.stdout.isEmpty, "\(command[0]): \(result.stdout)")
      let runLock = "out/.swapsync/run.lock"
      let changes = FileTree(sandbox.root).changes(since: before).filter {
        $0 != runLock || before.nodes[runLock] == nil
      }
      #expect(changes.isEmpty, "\(command[0]) changed \(changes)")
    }
    #expect(try await emulator.totalRequests() == 0)
  }
}
