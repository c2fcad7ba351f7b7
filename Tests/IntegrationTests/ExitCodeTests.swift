import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Exit codes 64, 65 and 77 of docs/exit-codes.md, each before any request.
@Suite("exit codes", .timeLimit(.minutes(3)))
struct ExitCodeTests {
  @Test("an invalid manifest exits 65 naming the place, with zero requests")
  func invalidManifest() async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("../escape.png", emulator.sample("target-beach"), emulator.sample("face-alice"))
    ])
    let result = try await sandbox.swapsync(["sync"], emulator: emulator)
    #expect(result.status == 65)
    #expect(result.stderr.contains("swaps.json: swaps[0].output"))
    #expect(try await emulator.stats().apiRequests == 0)
    #expect(!sandbox.exists("out"))
  }

  @Test("a negative or malformed count or duration exits 64 naming the option, with zero requests")
  func negativeNumbers() async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let cases: [([String], String)] = [
      (["sync", "--jobs", "-1"], "--jobs must be at least 1"),
      (["sync", "--downloads", "-1"], "--downloads must be at least 1"),
      (["sync", "--max-submits", "-2"], "--max-submits must not be negative"),
      (["sync", "--timeout", "-5s"], "--timeout"),
      (["sync", "--poll-interval", "0s"], "--poll-interval must be more than 0"),
      (["sync", "--job-deadline", "0"], "--job-deadline must be more than 0"),
      (["sync", "--jobs", "--no-wait"], "--jobs"),
      (["prune", "--max-delete", "-1"], "--max-delete must not be negative"),
      (["push", "--uploads", "-3"], "--uploads must be at least 1"),
    ]
    for (arguments, message) in cases {
      let result = try await sandbox.swapsync(arguments, emulator: emulator)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
      #expect(!result.stderr.contains("Missing value"), "\(arguments): \(result.stderr)")
    }
    #expect(try await emulator.stats().apiRequests == 0)
    #expect(!sandbox.exists("out"))
  }

  @Test(
    "a --cacert that does not exist, is a folder or cannot be read exits 64 naming it, for sync and push, even with nothing to do"
  )
  func unusableCACert() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(
      [("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))],
      extra: #""cache": "cache","#)
    // In sync and pushed: neither command has anything to do, so no request would ever read the file.
    #expect(try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator).status == 0)
    let requests = try await emulator.totalRequests()
    try FileManager.default.createDirectory(atPath: sandbox.path("certs"), withIntermediateDirectories: true)
    try sandbox.write("plain.txt", "not a folder")
    #expect(mkfifo(sandbox.path("ca.fifo"), 0o600) == 0)
    var cases = [
      ("nowhere.pem", "no such file"), ("certs", "is a folder"), ("plain.txt/ca.pem", "cannot be read"),
      ("ca.fifo", "is not a regular file"),
    ]
    if getuid() != 0 {
      // Root reads any file whatever its mode.
      try sandbox.write("locked.pem", "-----BEGIN CERTIFICATE-----")
      #expect(chmod(sandbox.path("locked.pem"), 0) == 0)
      cases.append(("locked.pem", "cannot be read"))
    }
    for command in ["sync", "push"] {
      for (file, problem) in cases {
        let result = try await sandbox.swapsync(
          [command, "--cacert", sandbox.path(file)], emulator: emulator)
        #expect(result.status == 64, "\(command) \(file): \(result.stderr)")
        #expect(
          result.stderr.contains("--cacert \(sandbox.path(file)): \(problem)"),
          "\(command) \(file): \(result.stderr)")
      }
    }
    // `sync --json` still prints its one summary object (docs/exit-codes.md, "In scripts").
    let json = try await sandbox.swapsync(
      ["sync", "--json", "--cacert", sandbox.path("nowhere.pem")], emulator: emulator)
    #expect(json.status == 64, "\(json.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect(summary?["exitCode"] as? Int == 64, "\(json.stdout)")
    #expect((summary?["error"] as? String)?.contains("no such file") == true, "\(json.stdout)")
    #expect(try await emulator.totalRequests() == requests)
    // A readable file is accepted (whether it holds the right CA is for TLS to say).
    try sandbox.write("ca.pem", "-----BEGIN CERTIFICATE-----")
    #expect(
      try await sandbox.swapsync(["sync", "--cacert", sandbox.path("ca.pem")], emulator: emulator).status == 0
    )
    #expect(
      try await sandbox.swapsync(["push", "--cacert", sandbox.path("ca.pem")], emulator: nil).status == 0)
  }

  @Test("a low open-file limit is raised where it may be, and said where it may not")
  func openFileLimit() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    let environment = [
      "PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TT_API_KEY": Emulator.apiKey,
      "TTAPI_BASE_URL": emulator.baseURL,
    ]
    func sync(_ ulimit: String) async throws -> CommandResult {
      try await ProcessRunner.run(
        "/bin/sh",
        [
          "-c", "ulimit \(ulimit) 60 && exec \"$0\" \"$@\"", Binaries.swapsync, "sync", "--jobs", "64",
          "--poll-interval", "20ms",
        ],
        cwd: sandbox.root, environment: environment)
    }
    // Only the soft limit is low: raised, nothing said, the run completes.
    let soft = try await sync("-S -n")
    #expect(soft.status == 0, "\(soft.stderr)")
    #expect(!soft.stderr.contains("open-file limit"), "\(soft.stderr)")
    // The hard limit too: said before anything is bought.
    try FileManager.default.removeItem(atPath: sandbox.path("swaps.lock.json"))
    try FileManager.default.removeItem(atPath: sandbox.path("out"))
    let hard = try await sync("-n")
    #expect(hard.stderr.contains("the open-file limit (ulimit -n) is 60"), "\(hard.stderr)")
    #expect(hard.stderr.contains("--jobs 64 --downloads 8 may need about 216"), "\(hard.stderr)")
  }

  @Test("a missing API key exits 77 before any request")
  func missingKey() async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let result = try await sandbox.swapsync(["sync"], emulator: emulator, key: nil)
    #expect(result.status == 77)
    #expect(result.stderr.contains("TT_API_KEY"))
    #expect(try await emulator.stats().apiRequests == 0)
  }

  @Test("a rejected API key (401) exits 77 and buys nothing")
  func rejectedKey() async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let result = try await sandbox.swapsync(["sync"], emulator: emulator, key: "wrong-key")
    #expect(result.status == 77)
    #expect(result.stderr.contains("401"))
    #expect(!result.stderr.contains("wrong-key"))
    #expect(try await emulator.stats().jobsCreated == 0)
    // The entry was certainly not created: it is still simply missing.
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.stdout.contains("missing"))
  }

  @Test(
    "an output folder that is a file exits 73 naming outputDir (or --out), for every command, with zero requests"
  )
  func outputFolderIsAFile() async throws {
    let emulator = try await Emulator()
    let sandbox = try Sandbox()
    try sandbox.writeManifest(Faults.twoEntries(emulator))
    try sandbox.write("out", "a file of the user's")
    try sandbox.write("elsewhere", "another")
    for command in [
      ["sync"], ["status"], ["plan"], ["verify"], ["gallery"], ["sync", "--out", "elsewhere"],
      ["sync", "--out", "elsewhere/sub"],
    ] {
      let result = try await sandbox.swapsync(command, emulator: emulator)
      #expect(result.status == 73, "\(command): \(result.stderr)")
      let named = command.count > 1 ? "--out \(command[2]): " : "the manifest's outputDir \"out\": "
      #expect(
        result.stderr.contains(named) && result.stderr.contains("is a file, not a folder"), "\(result.stderr)"
      )
    }
    #expect(sandbox.read("out") == Data("a file of the user's".utf8))
    #expect(try await emulator.stats().apiRequests == 0)
  }
}
