import Foundation
import SwapSyncKit

/// A running `ttapi-emulator` process on a free loopback port, stopped when the test ends.
/// `process` is only started in `init` and stopped in `deinit`; nothing else touches it.
final class Emulator: @unchecked Sendable {
  static let apiKey = "test-key-5f1c9a"

  let baseURL: String
  private let process: Process
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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binaries.emulator)
    process.arguments = ["--host", "127.0.0.1", "--port", "0", "--api-key", Self.apiKey] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try ProcessRunner.spawn(process)
    self.process = process
    // The emulator prints "listening on http://127.0.0.1:PORT" once it accepts connections.
    let line = await Self.readLine(pipe.fileHandleForReading)
    guard let range = line.range(of: "http://") else {
      process.terminate()
      throw EmulatorError.didNotStart(line)
    }
    baseURL = String(line[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  deinit {
    // SIGKILL, not a graceful stop: a graceful stop waits for slow answers still in flight.
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

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

  private static func readLine(_ handle: FileHandle) async -> String {
    await withCheckedContinuation { continuation in
      // A plain thread: the blocking read must not hold a thread of the cooperative pool.
      Thread {
        var bytes: [UInt8] = []
        while true {
          let chunk = handle.readData(ofLength: 1)
          guard let byte = chunk.first else { break }
          if byte == UInt8(ascii: "\n") { break }
          bytes.append(byte)
        }
        continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
      }.start()
    }
  }
}

enum EmulatorError: Error {
  case didNotStart(String)
  case configRejected(String)
}
