import Foundation

/// A `ttapi-emulator` process that a test stops with SIGTERM and watches exit (the `Emulator`
/// helper only ever SIGKILLs). Killed with SIGKILL at the end if it is still running.
final class TerminableEmulator: EmulatorAddress, Sendable {
  let baseURL: String
  private let process: ChildProcess
  private let logs: String

  init(arguments: [String]) async throws {
    logs = try Wire.scratch()
    let out = logs + "/stdout"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    process = try ChildProcess(
      Binaries.emulator,
      ["--host", "127.0.0.1", "--port", "0", "--api-key", Emulator.apiKey] + arguments,
      environment: Wire.tools, cwd: logs, stdout: .file(out))
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
    process.killGroup()
    try? FileManager.default.removeItem(atPath: logs)
  }

  /// Sends SIGTERM (a graceful shutdown).
  func terminate() {
    _ = process.signal(SIGTERM)
  }

  /// Sends SIGKILL and waits for the process to end.
  func killNow() {
    process.killGroup()
  }

  /// The exit status once the process has exited, or nil if it still runs after `limit`.
  func waitForExit(limit: Duration) async throws -> Int32? {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
      guard ContinuousClock.now < deadline else { return nil }
      try await Task.sleep(for: .milliseconds(20))
    }
    return await process.wait().status
  }
}
