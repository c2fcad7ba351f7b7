import Foundation

/// The result of running a command to completion.
struct CommandResult: Sendable {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs processes for tests, capturing output through files (pipes could fill up and block).
enum ProcessRunner {
  static func run(
    _ executable: String, _ arguments: [String], cwd: String, environment: [String: String]
  ) async throws -> CommandResult {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swapsync-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = try start(
      executable, arguments, cwd: cwd, environment: environment,
      stdout: try FileHandle(forWritingTo: outURL), stderr: try FileHandle(forWritingTo: errURL))
    let status = await waitForExit(process)
    return CommandResult(
      status: status,
      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
  }

  static func start(
    _ executable: String, _ arguments: [String], cwd: String, environment: [String: String],
    stdout: FileHandle, stderr: FileHandle
  ) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: cwd)
    process.environment = environment
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try spawn(process)
    return process
  }

  private static let spawnLock = NSLock()

  /// Starts `process`. Every test spawns through here, one at a time: Foundation's
  /// `Process.run()` on Linux is not safe to call from several threads at once (seen crashing
  /// in a memcpy when parallel tests started processes together).
  static func spawn(_ process: Process) throws {
    spawnLock.lock()
    defer { spawnLock.unlock() }
    try process.run()
  }

  /// Waits for the process without blocking a thread of the cooperative pool.
  static func waitForExit(_ process: Process) async -> Int32 {
    await withCheckedContinuation { continuation in
      let box = ResumeOnce(continuation)
      process.terminationHandler = { process in box.resume(process.terminationStatus) }
      if !process.isRunning { box.resume(process.terminationStatus) }
    }
  }
}

/// Resumes a continuation exactly once, from whichever side comes first.
final class ResumeOnce: @unchecked Sendable {
  private let lock = NSLock()
  private var continuation: CheckedContinuation<Int32, Never>?

  init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }

  func resume(_ value: Int32) {
    lock.lock()
    let pending = continuation
    continuation = nil
    lock.unlock()
    pending?.resume(returning: value)
  }
}
