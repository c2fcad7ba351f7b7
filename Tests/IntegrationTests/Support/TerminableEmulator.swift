import Foundation

/// A `ttapi-emulator` process that a test stops with SIGTERM and watches exit (the `Emulator`
/// helper only ever SIGKILLs). Killed with SIGKILL at the end if it is still running.
final class TerminableEmulator: EmulatorAddress, @unchecked Sendable {
  let baseURL: String
  private let process: Process
  private let logs: String

  init(arguments: [String]) async throws {
    logs = try Wire.scratch()
    let out = logs + "/stdout"
    FileManager.default.createFile(atPath: out, contents: nil)
    process = try ProcessRunner.start(
      Binaries.emulator,
      ["--host", "127.0.0.1", "--port", "0", "--api-key", Emulator.apiKey] + arguments,
      cwd: logs, environment: Wire.tools, stdout: try FileHandle(forWritingTo: URL(fileURLWithPath: out)),
      stderr: FileHandle.nullDevice)
    // The emulator prints "listening on http://127.0.0.1:PORT" once it accepts connections.
    let deadline = ContinuousClock.now + .seconds(60)
    var line = ""
    while !line.hasSuffix("\n") {
      line = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
      guard process.isRunning, ContinuousClock.now < deadline else {
        throw WireError.unexpected("the emulator did not start: \(line)")
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    guard let start = line.range(of: "http://") else { throw WireError.unexpected("no URL in \(line)") }
    baseURL = String(line[start.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  deinit {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(atPath: logs)
  }

  /// Sends SIGTERM (a graceful shutdown).
  func terminate() {
    kill(process.processIdentifier, SIGTERM)
  }

  /// Sends SIGKILL and waits for the process to end.
  func killNow() {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  /// The exit status once the process has exited, or nil if it still runs after `limit`.
  func waitForExit(limit: Duration) async throws -> Int32? {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
      guard ContinuousClock.now < deadline else { return nil }
      try await Task.sleep(for: .milliseconds(20))
    }
    return process.terminationStatus
  }
}
