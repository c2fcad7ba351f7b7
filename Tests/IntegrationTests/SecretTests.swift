import Foundation
import Testing

/// The API key is never printed, logged or written anywhere (docs/safety.md); missing, refused or
/// rejected keys stop the run with 77 (docs/exit-codes.md).
@Suite("API key secrecy", .timeLimit(.minutes(5)))
struct SecretTests {
  static let fast = ["--poll-interval", "20ms"]
  static let wrongKey = "wrong-key-7d41e0c2b9"

  struct Scenario: CustomTestStringConvertible, Sendable {
    var name: String
    var emulatorArguments: [String] = []
    /// The key swapsync is given (the emulator accepts only `Emulator.apiKey`).
    var key = Emulator.apiKey
    var viaFile = false
    var exit: Int32
    var testDescription: String { name }
  }

  static let scenarios = [
    Scenario(name: "successful sync", exit: 0),
    Scenario(name: "rejected key (401)", key: wrongKey, exit: 77),
    Scenario(name: "failed job", emulatorArguments: ["--fail-when", "face-bob=insufficient quota"], exit: 1),
    Scenario(
      name: "lost submit answer", emulatorArguments: ["--fault", "submit:ambiguousSubmit#1"], exit: 1),
    Scenario(name: "key from --api-key-file", viaFile: true, exit: 0),
  ]

  @Test("the key appears in no output (--verbose or --json) and no file", arguments: scenarios)
  func keyNeverLeaks(scenario: Scenario) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"] + scenario.emulatorArguments)
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    let keyFolder = try KeyFolder()
    defer { keyFolder.remove() }
    var keyArguments: [String] = []
    if scenario.viaFile {
      keyArguments = ["--api-key-file", try keyFolder.write(scenario.key + "\n", mode: 0o600)]
    }
    let key = scenario.viaFile ? nil : scenario.key
    var outputs: [CommandResult] = []
    for flags in [["--verbose", "--json"], ["--json"], []] {
      outputs.append(
        try await sandbox.swapsync(["sync"] + flags + keyArguments + Self.fast, emulator: emulator, key: key))
    }
    #expect(outputs[0].status == scenario.exit, "\(outputs[0].stderr)")
    // --verbose really logs the requests, so the check below looks at real HTTP logs.
    #expect(outputs[0].stderr.contains("/insightFace/v1/"), "\(outputs[0].stderr)")
    for command in [["status", "--json"], ["plan"], ["verify"], ["prune", "--dry-run"]] {
      outputs.append(try await sandbox.swapsync(command + ["--verbose"], emulator: emulator, key: key))
    }
    for output in outputs {
      #expect(!output.stdout.contains(scenario.key) && !output.stderr.contains(scenario.key))
    }
    let tree = FileTree(sandbox.root)
    #expect(tree.nodes.keys.contains("out/.swapsync"), "the state folder was looked at too")
    #expect(tree.paths(containing: scenario.key).isEmpty)
    #expect(tree.paths(containing: Emulator.apiKey).isEmpty)
  }

  @Test(
    "--api-key-file readable by group or others is refused with 77 and a chmod hint",
    arguments: [0o644, 0o640, 0o604])
  func keyFileTooOpen(mode: Int) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let folder = try KeyFolder()
    defer { folder.remove() }
    let file = try folder.write(Emulator.apiKey, mode: mode)
    let result = try await sandbox.swapsync(
      ["sync", "--api-key-file", file] + Self.fast, emulator: emulator, key: nil)
    #expect(result.status == 77, "\(result.stderr)")
    #expect(result.stderr.contains("chmod 600 \(file)"), "\(result.stderr)")
    #expect(!result.stderr.contains(Emulator.apiKey))
    #expect(try await emulator.totalRequests() == 0)
    #expect(sandbox.files(under: "out").isEmpty)
  }

  @Test("--api-key-file naming a folder is refused with 77 saying so, not with a chmod hint")
  func keyFileIsAFolder() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let folder = try KeyFolder()
    defer { folder.remove() }
    let result = try await sandbox.swapsync(
      ["sync", "--api-key-file", folder.path] + Self.fast, emulator: emulator, key: nil)
    #expect(result.status == 77, "\(result.stderr)")
    #expect(result.stderr.contains("is a folder"), "\(result.stderr)")
    #expect(!result.stderr.contains("chmod"), "\(result.stderr)")
    #expect(try await emulator.totalRequests() == 0)
  }

  @Test(
    "--api-key-file with mode 600 or 400 is used, even when TT_API_KEY holds a wrong key",
    arguments: [0o600, 0o400])
  func keyFilePrivate(mode: Int) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let folder = try KeyFolder()
    defer { folder.remove() }
    let file = try folder.write(Emulator.apiKey + "\n", mode: mode)
    let result = try await sandbox.swapsync(
      ["sync", "--api-key-file", file] + Self.fast, emulator: emulator, key: Self.wrongKey)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(isPNG(sandbox.read("out/a.png")))
    #expect(try await emulator.stats().submits == 1)
  }

  @Test("no usable key exits 77 before any request", arguments: ["none", "missing file", "empty file"])
  func noKey(kind: String) async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let folder = try KeyFolder()
    defer { folder.remove() }
    let (arguments, message): ([String], String) =
      switch kind {
      case "none": ([], "TT_API_KEY")
      case "missing file": (["--api-key-file", folder.path + "/absent"], "cannot read the API key file")
      default: (["--api-key-file", try folder.write("\n", mode: 0o600)], "the API key file \(folder.path)/")
      }
    let result = try await sandbox.swapsync(["sync"] + arguments, emulator: emulator, key: nil)
    #expect(result.status == 77, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(try await emulator.totalRequests() == 0)
    // A key file given on the command line is checked by a run with nothing to do, too.
    guard !arguments.isEmpty else { return }
    try sandbox.writeManifest([])
    let idle = try await sandbox.swapsync(["sync"] + arguments, emulator: emulator, key: nil)
    #expect(idle.status == 77, "\(idle.stderr)")
    #expect(try await sandbox.swapsync(["sync"], emulator: emulator, key: nil).status == 0)
  }

  /// The emulator has no 402/403 fault, so a real nginx in front of it answers the submit with
  /// TTAPI's error body; fetches and everything else still reach the emulator.
  @Test(
    "402 (balance exhausted) and 403 (account blocked) stop the run with 77; nothing is lost",
    arguments: [402, 403])
  func accountRefused(status: Int) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let body = #"{"status":"FAILED","message":"account refused \#(status)","data":null}"#
    let proxy = try await NginxProxy(
      upstream: emulator.baseURL, tls: false,
      extraLocations:
        "location = /insightFace/v1/swap { default_type application/json; return \(status) '\(body)'; }")
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    let result = try await sandbox.swapsync(["sync", "--api-base", proxy.baseURL] + Self.fast, emulator: nil)
    #expect(result.status == 77, "\(result.stderr)")
    #expect(result.stderr.contains("HTTP \(status)"), "\(result.stderr)")
    #expect(result.stderr.contains(status == 402 ? "balance" : "blocked"), "\(result.stderr)")
    #expect(!result.stderr.contains(Emulator.apiKey))
    #expect(proxy.accessLog.contains("POST /insightFace/v1/swap"), "the refusal came from the proxy")
    #expect(try await emulator.stats().submits == 0)
    await proxy.stop()
    // Certainly not created: both entries are still simply missing and are bought once later.
    let (states, exit) = try await sandbox.entryStates()
    #expect(exit == 75)
    #expect(states == ["a.png": "missing", "b.png": "missing"])
    let again = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try await emulator.stats().maxJobsPerPair == 1)
  }
}

/// A private temporary folder for key files, outside every sandbox (so a sandbox walk does not
/// find the key in the key file itself). Call `remove()` in a `defer`: that also keeps it alive.
final class KeyFolder: Sendable {
  let path: String

  init() throws {
    path =
      FileManager.default.temporaryDirectory.appendingPathComponent("swapsync-key-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `text` to a new file with exactly `mode` and returns its path.
  func write(_ text: String, mode: Int) throws -> String {
    let file = path + "/key-\(UUID().uuidString)"
    try Data(text.utf8).write(to: URL(fileURLWithPath: file))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
    return file
  }
}

/// Nothing is written outside the output folder, and no symbolic link inside it is followed
/// (docs/safety.md), even when the user (or an attacker) put the link there.
@Suite("output confinement", .timeLimit(.minutes(5)))
struct ConfinementTests {
  static let fast = ["--poll-interval", "20ms"]

  @Test(
    "a symlinked subfolder pointing outside is not written through, and nothing is bought for it until it goes",
    arguments: ["evil/x.png", "evil/deeper/x.png"])
  func symlinkedFolder(output: String) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let outside = try KeyFolder()
    defer { outside.remove() }
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/evil"), withDestinationPath: outside.path)
    try sandbox.writeManifest([
      (output, emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("ok.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ])
    let result = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(
      FileTree(outside.path).nodes.isEmpty, "written outside: \(FileTree(outside.path).nodes.keys.sorted())")
    // Untracked: the link is in the way, so nothing is bought for that output (exit 1).
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("a symbolic link is at evil, where a folder goes"), "\(result.stderr)")
    #expect(FileTree(sandbox.path("out")).nodes["evil"] == .link(to: outside.path))
    let states = try await sandbox.entryStates().states
    #expect(states[output] == "untracked", "\(states)")
    #expect(try await emulator.stats().submits == 1)
    try FileManager.default.removeItem(atPath: sandbox.path("out/evil"))
    try FileManager.default.createDirectory(
      atPath: sandbox.path("out/evil"), withIntermediateDirectories: true)
    let again = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(isPNG(sandbox.read("out/" + output)) && isPNG(sandbox.read("out/ok.png")))
    let stats = try await emulator.stats()
    #expect(stats.submits == 2)
    #expect(stats.maxJobsPerPair == 1)
    #expect(FileTree(outside.path).nodes.isEmpty)
  }

  /// "file": the link points at an existing outside file; "dangling": at an outside path that
  /// does not exist yet (writing through it would create the file there).
  @Test(
    "an output that is a symlink to an outside file leaves that file untouched",
    arguments: ["file", "dangling"])
  func symlinkedOutput(kind: String) async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    let outside = try KeyFolder()
    defer { outside.remove() }
    let target = outside.path + "/precious.png"
    if kind == "file" {
      try Data("precious bytes, not swapsync's".utf8).write(to: URL(fileURLWithPath: target))
    }
    let before = FileTree(outside.path)
    try FileManager.default.createDirectory(
      atPath: sandbox.path("out/sub"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: sandbox.path("out/sub/x.png"), withDestinationPath: target)
    try sandbox.writeManifest([("sub/x.png", emulator.sample("target-park"), emulator.sample("face-carol"))])
    let result = try await sandbox.swapsync(["sync"] + Self.fast, emulator: emulator)
    #expect(
      FileTree(outside.path) == before, "changed outside: \(FileTree(outside.path).changes(since: before))")
    // Untracked: nothing is bought for an output that could not be put there.
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("sub/x.png"), "\(result.stderr)")
    #expect(FileTree(sandbox.path("out")).nodes["sub/x.png"] == .link(to: target))
    #expect(try await emulator.stats().submits == 0)
  }
}
