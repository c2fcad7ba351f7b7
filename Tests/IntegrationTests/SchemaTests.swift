import Foundation
import Testing

/// The JSON Schemas in docs/schema describe what swapsync really accepts and writes: good
/// manifests (the demo, the tests' own, the docs' examples) validate and are accepted by the
/// binary, bad fixtures the schema can express are rejected at the place swapsync names, and the
/// lockfile of a real sync against the emulator validates. Validation runs
/// scripts/validate-json.py (python3 with `jsonschema`), as a user would.
@Suite("JSON Schemas", .timeLimit(.minutes(5)))
struct SchemaTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
  static let manifestSchema = root + "/docs/schema/manifest.schema.json"
  static let lockfileSchema = root + "/docs/schema/lockfile.schema.json"
  static let badFixtures = root + "/Tests/Fixtures/bad-manifests"

  /// Loopback URLs like the ones the integration tests use (nothing is fetched from them).
  static let beach = "http://127.0.0.1:8177/samples/target-beach.png"
  static let office = "http://127.0.0.1:8177/samples/target-office.png"
  static let alice = "http://127.0.0.1:8177/samples/face-alice.png"
  static let bob = "http://[::1]:8177/samples/face-bob.png"

  /// Manifests the unit tests (ManifestLoaderTests) accept, and other shapes the tests use.
  static let goodManifests: [String: String] = [
    "version-only.json": #"{"version": 1}"#,
    "version-float.json": #"{"version": 1.0, "swaps": []}"#,
    "version-exponent.json": #"{"version": 10e-1, "matrix": []}"#,
    "absolute-outdir.json": #"{"version": 1, "swaps": [], "matrix": [], "outputDir": "/abs/out"}"#,
    "paths.json": """
    {"version": 1, "swaps": [
      {"output": "é.jpg", "targetImage": "\(beach)", "swapImage": "\(alice)"},
      {"output": "_x.JPG", "targetImage": "\(beach)", "swapImage": "\(alice)"},
      {"output": "a/b/.hidden", "targetImage": "\(beach)", "swapImage": "\(alice)"},
      {"output": "a/no-extension", "targetImage": "\(office)", "swapImage": "\(bob)"},
      {"output": "a/x.tar.webp", "targetImage": "https://img.example.com/render?id=7&s=2",
       "swapImage": "https://img.example.com:8443/f.gif#top", "hookUrl": "http://localhost:9/hook"}]}
    """,
    "hooks-everywhere.json": """
    {"version": 1, "outputDir": "out/team", "hookUrl": "https://hooks.example.com/top",
     "swaps": [{"output": "solo/alice-beach.jpg", "targetImage": "\(beach)", "swapImage": "\(alice)",
                "hookUrl": "https://hooks.example.com/swap"}],
     "matrix": [
       {"targets": {"beach": "\(beach)", "office": "\(office)"},
        "faces": {"alice": "\(alice)", "bob": "\(bob)"},
        "output": "{face}/{target}.png", "hookUrl": "https://hooks.example.com/block"},
       {"targets": {"only": "\(beach)"}, "faces": {"team/one": "\(alice)"}, "output": "single.png"}]}
    """,
  ]

  /// Bad fixtures the schema can express. Not here, because no schema can say it: plain http to a
  /// remote host (fine with --allow-http), bad ports and IPv6, duplicates after expansion, matrix
  /// keys that end up in a path, byte lengths, JSON syntax.
  static let expressibleBadFixtures = [
    "22-version-missing.json", "24-version-two.json", "25-version-string.json", "27-swaps-not-array.json",
    "29-output-number.json", "32-outputdir-empty.json", "33-unknown-top-key.json",
    "34-unknown-top-key-typo.json",
    "35-unknown-swap-key.json", "36-unknown-matrix-key.json", "37-swap-missing-output.json",
    "38-matrix-missing-faces.json", "40-url-ftp.json", "42-url-relative.json", "45-url-credentials.json",
    "48-hookurl-matrix-ftp.json", "51-output-dotdot.json", "52-output-absolute.json",
    "54-output-backslash.json",
    "55-output-control-char.json", "57-output-dot-segment.json", "59-output-state-folder.json",
    "60-output-state-folder-case.json", "61-output-extension-txt.json", "63-output-trailing-slash.json",
    "69-matrix-unknown-placeholder.json", "70-matrix-unbalanced-open.json", "72-matrix-empty-targets.json",
    "75-matrix-targets-array.json", "85-swaps-null.json", "89-matrix-wrong-level-output-key.json",
  ]

  @Test("demo.json, the tests' manifests and the docs' examples validate, and swapsync accepts them")
  func goodManifestsValidate() async throws {
    let sandbox = try Sandbox()
    var names: [String] = []
    func add(_ name: String, _ text: String) throws {
      try sandbox.write(name, text)
      names.append(name)
    }
    try add("demo.json", try String(contentsOfFile: Self.root + "/manifests/demo.json", encoding: .utf8))
    for (name, text) in Self.goodManifests { try add(name, text) }
    for (index, text) in try Self.jsonBlocks(inDoc: "manifest.md", withKey: "version").enumerated() {
      try add("doc-example-\(index).json", text)
    }
    for (index, text) in try Self.jsonBlocks(inDoc: "cache.md", withKey: "version").enumerated() {
      try add("cache-example-\(index).json", text)
    }
    // The writers the integration tests use.
    try sandbox.writeManifest(
      [("a.png", Self.beach, Self.alice), ("b/c.png", Self.office, Self.bob)], name: "sandbox.json")
    try sandbox.writeManifest(
      [("a.png", Self.beach, Self.alice)], extra: #""hookUrl": "http://127.0.0.1:9/hook","#,
      name: "sandbox-hook.json")
    names += ["sandbox.json", "sandbox-hook.json"]
    try Crash.writeMatrixManifest(
      sandbox, targets: ["t1": Self.beach, "t2": Self.office], faces: ["f1": Self.alice, "f2": Self.bob],
      output: "{target}/{face}.png", swaps: [("extra.png", Self.beach, Self.bob)])
    names.append("swaps.json")
    #expect(names.count >= 10)

    let verdicts = try await Self.validate(schema: Self.manifestSchema, names, in: sandbox)
    for name in names {
      #expect(verdicts[name] == ["ok"], "\(name): \(verdicts[name] ?? [])")
      // swapsync agrees: `plan` reads and checks the manifest, then reports (0 or 2), never 65.
      let plan = try await sandbox.swapsync(["plan", name, "--out", "out"], emulator: nil, key: nil)
      #expect([0, 2].contains(plan.status), "\(name): \(plan.status) \(plan.stderr)")
    }
  }

  @Test("bad fixtures the schema can express are rejected where swapsync says the problem is")
  func expressibleBadFixturesAreRejected() async throws {
    let expected = try JSONDecoder().decode(
      [String: String].self, from: Data(contentsOf: URL(fileURLWithPath: Self.badFixtures + "/expected.json"))
    )
    let sandbox = try Sandbox()
    for name in Self.expressibleBadFixtures {
      try FileManager.default.copyItem(atPath: Self.badFixtures + "/" + name, toPath: sandbox.path(name))
    }
    let verdicts = try await Self.validate(
      schema: Self.manifestSchema, Self.expressibleBadFixtures, in: sandbox)
    for name in Self.expressibleBadFixtures {
      let errors = verdicts[name] ?? []
      let message = try #require(expected[name], "\(name) is not in expected.json")
      // swapsync's location ("swaps[0].output", "top level") as a JSON path ("$.swaps[0].output", "$").
      let location = String(message[..<(message.range(of: ": ")?.lowerBound ?? message.endIndex)])
      let path = location == "top level" ? "$" : location.hasPrefix("[") ? "$" + location : "$." + location
      #expect(!errors.isEmpty && errors != ["ok"], "\(name) was accepted by the schema")
      #expect(
        errors.contains { $0.hasPrefix(path + ": ") }, "\(name): expected an error at \(path), got \(errors)")
    }
  }

  @Test("the lockfile of a real sync of manifests/demo.json validates; a tampered one does not")
  func realLockfileValidates() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.write(
      "demo.json", try String(contentsOfFile: Self.root + "/manifests/demo.json", encoding: .utf8))
    // demo.json writes to ../out/demo; keep the outputs inside the sandbox.
    let sync = try await sandbox.swapsync(
      ["sync", "demo.json", "--out", "out", "--poll-interval", "20ms"], emulator: emulator)
    #expect(sync.status == 0, "\(sync.stderr)")
    let lock = String(decoding: try #require(sandbox.read("demo.lock.json")), as: UTF8.self)
    let parsed = try JSONSerialization.jsonObject(with: Data(lock.utf8)) as? [String: Any]
    let entries = try #require(parsed?["entries"] as? [String: [String: Any]])
    #expect(entries.count == 5)
    #expect(entries.values.allSatisfy { $0["state"] as? String == "done" })

    try sandbox.write(
      "unknown-state.lock.json", lock.replacingOccurrences(of: #""done""#, with: #""finished""#))
    try sandbox.write(
      "extra-key.lock.json",
      lock.replacingOccurrences(of: #""version" : 1"#, with: #""version" : 1, "lastRun" : 0"#))
    var examples: [String] = []
    for (index, text) in try Self.jsonBlocks(inDoc: "lockfile.md", withKey: "entries").enumerated() {
      try sandbox.write("doc-example-\(index).lock.json", text)
      examples.append("doc-example-\(index).lock.json")
    }
    let names = ["demo.lock.json", "unknown-state.lock.json", "extra-key.lock.json"] + examples
    let verdicts = try await Self.validate(schema: Self.lockfileSchema, names, in: sandbox)
    for name in ["demo.lock.json"] + examples {
      #expect(verdicts[name] == ["ok"], "\(name): \(verdicts[name] ?? [])")
    }
    #expect(
      verdicts["unknown-state.lock.json"]?.contains { $0.hasSuffix("is not one of " + Self.states) } == true)
    #expect(verdicts["extra-key.lock.json"]?.contains { $0.contains("'lastRun' was unexpected") } == true)
  }

  @Test("a lockfile value swapsync refuses, the schema refuses too; the docs' examples pass both")
  func lockfileRulesAgree() async throws {
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", "https://img.example.com/t.png", "https://img.example.com/f.png")])
    let changed: [String: [String: String?]] = [
      "ftp-input": ["targetImage": #""ftp://img.example.com/t.png""#],
      "job-id-path": ["jobId": #""../../v1/fetch""#], "job-id-dots": ["jobId": #""a..b""#],
      "sha-uppercase": ["sha256": "\"\(String(repeating: "AB", count: 32))\""],
      "size-negative": ["size": "-1"], "quota-negative": ["quota": "-2"],
      "time-fraction": ["submittedAt": #""2026-11-30T06:12:39.250Z""#],
      "time-offset": ["finishedAt": #""2026-11-30T06:12:41+00:00""#],
      "time-month-13": ["finishedAt": #""2026-13-30T06:12:41Z""#], "image-type-bmp": ["imageType": #""bmp""#],
      "adopted-false": ["adopted": "false"], "adopted-with-job": ["adopted": "true"],
      "unusable-runs-0": ["unusableRuns": "0"], "null-quota": ["quota": "null"],
      "done-without-type": ["imageType": nil], "running-without-job": ["state": #""running""#, "jobId": nil],
      "failed-without-message": ["state": #""failed""#],
    ]
    var names: [String] = []
    func add(_ name: String, _ text: String) throws {
      try sandbox.write(name + ".lock.json", text)
      names.append(name + ".lock.json")
    }
    for (name, changes) in changed {
      var fields = BadInputTests.doneFields().compactMap { key, value in
        changes[key].map { $0.map { (key, $0) } } ?? (key, value)
      }
      for (key, value) in changes where !fields.contains(where: { $0.0 == key }) {
        if let value { fields.append((key, value)) }
      }
      try add(name, BadInputTests.pretty("a.png", fields.sorted { $0.0 < $1.0 }))
    }
    for key in ["../evil.png", "/etc/evil.png", ".swapsync/journal.jsonl", "", "notes.txt"] {
      try add("key-\(names.count)", BadInputTests.pretty(key, BadInputTests.doneFields()))
    }
    let verdicts = try await Self.validate(schema: Self.lockfileSchema, names, in: sandbox)
    for name in names {
      #expect(verdicts[name] != ["ok"], "\(name) was accepted by the schema")
      let plan = try await sandbox.swapsync(["plan", "--lock", name], emulator: nil, key: nil)
      #expect(plan.status == 65, "\(name): \(plan.status) \(plan.stderr)")
    }
    var good: [String] = []
    for (index, text) in try Self.jsonBlocks(inDoc: "lockfile.md", withKey: "entries").enumerated() {
      try sandbox.write("doc-\(index).lock.json", text)
      good.append("doc-\(index).lock.json")
    }
    try sandbox.write("pretty.lock.json", BadInputTests.pretty("a.png", BadInputTests.doneFields()))
    good.append("pretty.lock.json")
    let accepted = try await Self.validate(schema: Self.lockfileSchema, good, in: sandbox)
    for name in good {
      #expect(accepted[name] == ["ok"], "\(name): \(accepted[name] ?? [])")
      let plan = try await sandbox.swapsync(["plan", "--lock", name], emulator: nil, key: nil)
      #expect([0, 1, 2].contains(plan.status), "\(name): \(plan.status) \(plan.stderr)")
    }
  }

  @Test("the definitions both schemas share (url, outputPath) are identical")
  func sharedDefinitionsAgree() throws {
    func definitions(_ path: String) throws -> [String: Any] {
      let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
      return try #require((object as? [String: Any])?["$defs"] as? [String: Any])
    }
    let manifest = try definitions(Self.manifestSchema), lockfile = try definitions(Self.lockfileSchema)
    for name in ["url", "outputPath"] {
      let left = try #require(manifest[name] as? NSDictionary),
        right = try #require(lockfile[name] as? NSDictionary)
      #expect(left.isEqual(right), "$defs.\(name) differs between the two schemas")
    }
  }

  // MARK: - Helpers

  /// Per file: ["ok"], or the errors validate-json.py printed for it.
  typealias Verdicts = [String: [String]]

  static let states = #"['submitting', 'running', 'done', 'failed', 'uncertain', 'lost']"#

  /// Runs scripts/validate-json.py on `files` (relative to the sandbox) and returns, per file, the
  /// text after "FILE: " of each line it printed: ["ok"], or one entry per error.
  static func validate(schema: String, _ files: [String], in sandbox: Sandbox) async throws -> Verdicts {
    let unique = Array(Set(files)).sorted()
    let result = try await ProcessRunner.run(
      "/usr/bin/env", ["python3", root + "/scripts/validate-json.py", schema] + unique, cwd: sandbox.root,
      environment: ProcessInfo.processInfo.environment)
    #expect([0, 1].contains(result.status), "validate-json.py failed: \(result.stderr)")
    var verdicts: Verdicts = [:]
    for line in result.stdout.split(separator: "\n") {
      guard let file = unique.first(where: { line.hasPrefix($0 + ": ") }) else {
        Issue.record("unexpected line from validate-json.py: \(line)")
        continue
      }
      verdicts[file, default: []].append(String(line.dropFirst(file.count + 2)))
    }
    #expect(result.status == (verdicts.values.allSatisfy { $0 == ["ok"] } ? 0 : 1))
    return verdicts
  }

  /// The ```json blocks of docs/`doc` that are whole documents with a top-level `key`.
  static func jsonBlocks(inDoc doc: String, withKey key: String) throws -> [String] {
    let text = try String(contentsOfFile: root + "/docs/" + doc, encoding: .utf8)
    var blocks: [String] = []
    for chunk in text.components(separatedBy: "```json\n").dropFirst() {
      guard let end = chunk.range(of: "```") else { continue }
      let block = String(chunk[..<end.lowerBound])
      let object = try? JSONSerialization.jsonObject(with: Data(block.utf8)) as? [String: Any]
      if object?[key] != nil { blocks.append(block) }
    }
    #expect(!blocks.isEmpty, "no JSON example with \"\(key)\" in docs/\(doc)")
    return blocks
  }
}
