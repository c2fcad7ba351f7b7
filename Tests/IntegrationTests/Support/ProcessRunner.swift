import Foundation

/// The result of running a command to completion.
struct CommandResult: Sendable {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs commands to completion for tests, through `ChildProcess`.
enum ProcessRunner {
  /// Runs `executable` (an absolute path) and returns its exit status (or the signal number that
  /// killed it) and its output. The output goes through files: a pipe could fill up and block.
  static func run(
    _ executable: String, _ arguments: [String], cwd: String, environment: [String: String]
  ) async throws -> CommandResult {
    let logs = try OutputFiles()
    let child = try ChildProcess(
      executable, arguments, environment: environment, cwd: cwd, stdout: .file(logs.stdout),
      stderr: .file(logs.stderr))
    let termination = await child.wait()
    return CommandResult(status: termination.status, stdout: logs.readStdout(), stderr: logs.readStderr())
  }
}

/// A temporary folder holding a child's `stdout` and `stderr` files, removed with this object.
final class OutputFiles: Sendable {
  let folder: String
  var stdout: String { folder + "/stdout" }
  var stderr: String { folder + "/stderr" }

  init() throws {
    folder =
      FileManager.default.temporaryDirectory.appendingPathComponent(
        "swapsync-out-\(UUID().uuidString)"
      ).path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: folder) }

  func readStdout() -> String { (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "" }
  func readStderr() -> String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
}
