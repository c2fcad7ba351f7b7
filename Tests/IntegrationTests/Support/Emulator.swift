import Foundation
import SwapSyncKit

/// A running `ttapi-emulator` process on a free loopback port, killed when this object goes away.
final class Emulator: @unchecked Sendable {
  static let apiKey = "test-key-5f1c9a"

  let baseURL: String
  private let process: ChildProcess
  private let logs: OutputFiles
  private let http = HTTPEngine(configuration: .init())

  /// Counters the emulator keeps (see `GET /_emulator/stats`).
  struct Stats: Decodable, Sendable {
    var requests: [String: Int]
    var jobsCreated: Int
    var pairs: [String: Int]
    var faultsInjected: [String: Int]?
    var hooksDelivered: Int?

    var submits: Int { requests["submit"] ?? 0 }
    var fetches: Int { requests["fetch"] ?? 0 }
    var cdn: Int { (requests["cdn"] ?? 0) + (requests["discord"] ?? 0) }
    var apiRequests: Int { submits + fetches + cdn }
    /// Jobs created for one pair (answer delivered or not).
    func jobs(target: String, face: String) -> Int { pairs[target + "\n" + face] ?? 0 }
    /// The most jobs any single pair got.
    var maxJobsPerPair: Int { pairs.values.max() ?? 0 }
  }

  init(arguments: [String] = []) async throws {
    let logs = try OutputFiles()
    let process = try ChildProcess(
      Binaries.emulator, ["--host", "127.0.0.1", "--port", "0", "--api-key", Self.apiKey] + arguments,
      environment: ["PATH": "/usr/bin:/bin"], cwd: "/", stdout: .pipe, stderr: .file(logs.stderr))
    // The emulator prints "listening on http://127.0.0.1:PORT" once it accepts connections, and
    // nothing more (the pipe stays open, unread, until the emulator is stopped).
    let line = await process.readStdoutLine()
    guard let line, let range = line.range(of: "http://") else {
      process.killGroup()
      let ended = await process.wait()
      throw EmulatorError.didNotStart("printed \(line ?? "nothing"), \(ended); stderr: \(logs.readStderr())")
    }
    baseURL = String(line[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    self.process = process
    self.logs = logs
  }

  // `process` kills the emulator (SIGKILL, not a graceful stop, which would wait for slow answers
  // still in flight) and reaps it when this object goes away.

  /// A URL the emulator serves itself (sample images).
  func sample(_ name: String) -> String { "\(baseURL)/samples/\(name).png" }

  func stats() async throws -> Stats {
    let response = try await http.send(HTTPRequest(method: .get, url: baseURL + "/_emulator/stats"))
    return try JSONDecoder().decode(Stats.self, from: Data(response.body))
  }

  /// Changes knobs and faults at run time (`POST /_emulator/config`).
  func configure(_ json: String) async throws {
    let response = try await http.send(
      HTTPRequest(
        method: .post, url: baseURL + "/_emulator/config", headers: [("Content-Type", "application/json")],
        body: Array(json.utf8)))
    guard response.status == 200 else {
      throw EmulatorError.configRejected(String(decoding: response.body, as: UTF8.self))
    }
  }

  /// Ends every running job now (`POST /_emulator/finish`).
  func finishAllJobs() async throws {
    _ = try await http.send(HTTPRequest(method: .post, url: baseURL + "/_emulator/finish"))
  }
}

enum EmulatorError: Error {
  case didNotStart(String)
  case configRejected(String)
}
