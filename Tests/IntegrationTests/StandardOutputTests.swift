import Foundation
import Testing

/// A stdout that cannot take what a command prints (a full disk) is a failure, not a silent 0
/// (docs/exit-codes.md).
@Suite("standard output", .timeLimit(.minutes(5)))
struct StandardOutputTests {
  @Test("a stdout that takes nothing (/dev/full) exits 73 and says so; the run's work still holds")
  func stdoutFull() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([("a.png", emulator.sample("target-beach"), emulator.sample("face-alice"))])
    let environment = [
      "PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TTAPI_BASE_URL": emulator.baseURL,
      "TT_API_KEY": Emulator.apiKey,
    ]
    func run(_ arguments: String) async throws -> CommandResult {
      try await ProcessRunner.run(
        "/bin/sh", ["-c", "exec \"$0\" \(arguments) >/dev/full", Binaries.swapsync], cwd: sandbox.root,
        environment: environment)
    }
    let sync = try await run("sync --json --poll-interval 20ms")
    #expect(sync.status == 73, "\(sync.stderr)")
    #expect(
      sync.stderr.contains("cannot write to standard output: No space left on device"), "\(sync.stderr)")
    #expect(isPNG(sandbox.read("out/a.png")))
    // Events on stdout are what sync prints: they too must be written whole.
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-beach"), emulator.sample("face-bob")),
    ])
    let events = try await run("sync --events - --poll-interval 20ms")
    #expect(events.status == 73, "\(events.stderr)")
    #expect(isPNG(sandbox.read("out/b.png")))
    // `verify` prints nothing when every output matches: nothing is lost, so 0.
    // swift-argument-parser's texts too: help and the version go through the same writer.
    for (command, expected) in [
      ("status", 73), ("status --json", 73), ("plan --json", 73), ("verify", 0), ("--help", 73),
      ("sync --help", 73), ("help plan", 73), ("--version", 73),
    ] {
      let answer = try await run(command)
      #expect(answer.status == Int32(expected), "\(command): \(answer.stderr)")
    }
    // A closed stdout: /dev/null stands in for it (no file the run opens can take its number),
    // and what was printed went nowhere, so 73.
    let closed = try await ProcessRunner.run(
      "/bin/sh", ["-c", "exec \"$0\" status >&-", Binaries.swapsync], cwd: sandbox.root,
      environment: environment)
    #expect(closed.status == 73, "\(closed.stderr)")
    #expect(
      closed.stderr.contains("cannot write to standard output: Bad file descriptor"), "\(closed.stderr)")
    // With a stdout that takes it, the state the run left is whole.
    let status = try await ProcessRunner.run(
      Binaries.swapsync, ["status"], cwd: sandbox.root, environment: environment)
    #expect(status.status == 0 && status.stdout.contains("a.png"), "\(status.stdout)")
  }

  @Test("a reader of sync's stdout that leaves (a closed pipe) stops nothing: the run finishes, exit 0")
  func readerLeaves() async throws {
    let sandbox = try Sandbox()
    let outputs = (1...5).map { "o\($0).png" }
    try sandbox.writeManifest(outputs.map { ($0, "https://img.example/t-\($0)", "https://img.example/face") })
    try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
    for output in outputs {
      try UntrackedTests.userPNG.write(to: URL(fileURLWithPath: sandbox.path("out/" + output)))
    }
    // A pipe whose reader is gone before swapsync starts: its first event meets EPIPE (or SIGPIPE).
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    close(ends[0])
    defer { close(ends[1]) }
    let logs = try OutputFiles()
    // `--adopt` of files already there: a run that never uses the network.
    let child = try ChildProcess(
      Binaries.swapsync, ["sync", "--adopt", "--events", "-"],
      environment: ["PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TT_API_KEY": Emulator.apiKey],
      cwd: sandbox.root, stdout: .descriptor(ends[1]), stderr: .file(logs.stderr))
    let end = await child.wait()
    #expect(end == .exited(0), "\(logs.readStderr())")
    let status = try await sandbox.swapsync(["status", "--json"], emulator: nil)
    #expect(status.status == 0, "\(status.stdout)")
  }
}
