import Foundation
import SwapSyncKit

/// Anything that knows an emulator's base URL.
protocol EmulatorAddress: Sendable {
  var baseURL: String { get }
}

extension Emulator: EmulatorAddress {}

/// Wire-level helpers for the emulator's own tests. Faulted answers are read with the `curl`
/// tool (no `--compressed`: it sends no Accept-Encoding, decodes nothing and follows no
/// redirect, so the bytes are what the emulator sent); setup and stats go through HTTPEngine.
enum Wire {
  static let engine = HTTPEngine(configuration: .init())
  static let tools = ["PATH": "/usr/bin:/bin"]
  static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  static func sample(_ emulator: some EmulatorAddress, _ name: String) -> String {
    "\(emulator.baseURL)/samples/\(name).png"
  }

  /// A request with the emulator's API key and a 64 MiB body limit.
  static func request(
    _ method: HTTPRequest.Method, _ url: String, json: String? = nil, timeout: Duration = .seconds(60)
  ) -> HTTPRequest {
    var headers = [(name: "TT-API-KEY", value: Emulator.apiKey)]
    if json != nil { headers.append((name: "Content-Type", value: "application/json")) }
    return HTTPRequest(
      method: method, url: url, headers: headers, body: Array((json ?? "").utf8), timeout: timeout,
      maxBodyBytes: 64 << 20)
  }

  static func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    try await engine.send(request)
  }

  static func submitBody(target: String, face: String) -> String {
    #"{"targetImage":"\#(target)","swapImage":"\#(face)"}"#
  }

  /// Submits a pair through HTTPEngine and returns the job id.
  static func submit(_ emulator: some EmulatorAddress, target: String, face: String) async throws -> String {
    let answer = try await send(
      request(.post, emulator.baseURL + "/insightFace/v1/swap", json: submitBody(target: target, face: face)))
    guard let jobId = field(object(answer.body), "data", "jobId") as? String else {
      throw WireError.unexpected(
        "submit answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
    }
    return jobId
  }

  /// Submits a pair of samples and ends every job (`POST /_emulator/finish`): the job id.
  static func finishedJob(
    _ emulator: some EmulatorAddress, target: String = "target-beach", face: String = "face-alice"
  ) async throws -> String {
    let jobId = try await submit(emulator, target: sample(emulator, target), face: sample(emulator, face))
    _ = try await send(HTTPRequest(method: .post, url: emulator.baseURL + "/_emulator/finish"))
    return jobId
  }

  /// The fetch answer of a job as JSON, through HTTPEngine.
  static func fetch(_ emulator: some EmulatorAddress, jobId: String) async throws -> [String: Any] {
    let answer = try await send(
      request(.post, emulator.baseURL + "/insightFace/v1/fetch", json: #"{"jobId":"\#(jobId)"}"#))
    guard let json = object(answer.body) else {
      throw WireError.unexpected("fetch answered \(answer.status)")
    }
    return json
  }

  /// The value at `path` in nested JSON objects, or nil.
  static func field(_ json: Any?, _ path: String...) -> Any? {
    var value = json
    for key in path { value = (value as? [String: Any])?[key] }
    return value
  }

  /// A JSON object body, or nil.
  static func object(_ bytes: [UInt8]) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
  }

  /// `GET /_emulator/stats` as JSON.
  static func stats(_ emulator: some EmulatorAddress) async throws -> [String: Any] {
    let answer = try await send(HTTPRequest(method: .get, url: emulator.baseURL + "/_emulator/stats"))
    guard let stats = object(answer.body) else { throw WireError.unexpected("stats are not a JSON object") }
    return stats
  }

  /// `faultsInjected[KEY]` of the stats (0 when absent).
  static func faults(_ emulator: some EmulatorAddress, _ key: String) async throws -> Int {
    field(try await stats(emulator), "faultsInjected", key) as? Int ?? 0
  }

  /// Polls the stats until `condition` holds, for at most `limit`; false when it never did.
  static func waitForStats(
    _ emulator: some EmulatorAddress, limit: Duration = .seconds(30),
    _ condition: @Sendable ([String: Any]) -> Bool
  ) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
      if condition(try await stats(emulator)) { return true }
      try await Task.sleep(for: .milliseconds(20))
    }
    return false
  }

  /// A new scratch folder; the caller removes it.
  static func scratch() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("emu-wire-\(UUID().uuidString)")
      .path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Runs `script` with `/bin/sh -c` in `folder`.
  static func shell(_ script: String, in folder: String) async throws -> CommandResult {
    try await ProcessRunner.run("/bin/sh", ["-c", script], cwd: folder, environment: tools)
  }

  /// Decodes a gzip body with the system's `gzip`.
  static func gunzip(_ bytes: [UInt8]) async throws -> [UInt8] {
    let folder = try scratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Data(bytes).write(to: URL(fileURLWithPath: folder + "/body.gz"))
    let result = try await shell("gzip -dc body.gz > body", in: folder)
    guard result.status == 0 else { throw WireError.tool("gzip: \(result.stderr)") }
    return Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/body")))
  }

  /// Decoded size of a gzip body and how many decoded bytes are not zero, keeping none of them.
  static func gunzipCounts(_ bytes: [UInt8]) async throws -> (size: Int, nonZero: Int) {
    let folder = try scratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Data(bytes).write(to: URL(fileURLWithPath: folder + "/body.gz"))
    let size = try await shell("gzip -dc body.gz | wc -c", in: folder)
    let nonZero = try await shell(#"gzip -dc body.gz | tr -d '\000' | wc -c"#, in: folder)
    guard size.status == 0, nonZero.status == 0,
      let total = Int(size.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
      let other = Int(nonZero.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    else { throw WireError.tool("gzip: \(size.stderr) \(nonZero.stderr)") }
    return (total, other)
  }

  /// What `curl` saw: its exit status, the header block and the body bytes.
  struct CurlResult {
    var status: Int32
    var headers: String
    var body: [UInt8]
    var stderr: String

    /// The status line, e.g. `HTTP/1.1 200 OK`.
    var statusLine: String { headers.split(whereSeparator: \.isNewline).first.map(String.init) ?? "" }
    /// The status code from the status line.
    var code: Int? { statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } }

    /// A header's value (case-insensitive name).
    func header(_ name: String) -> String? {
      for line in headers.split(whereSeparator: \.isNewline) {
        guard let colon = line.firstIndex(of: ":") else { continue }
        if line[..<colon].lowercased() == name.lowercased() {
          return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
      }
      return nil
    }
  }

  /// `curl -sS` of `url` with `extra` options, keeping the headers and body it received.
  static func curl(_ url: String, _ extra: [String] = []) async throws -> CurlResult {
    let folder = try scratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let result = try await ProcessRunner.run(
      "/usr/bin/curl", ["-sS", "-D", "headers", "-o", "body"] + extra + [url], cwd: folder, environment: tools
    )
    let headers = (try? String(contentsOfFile: folder + "/headers", encoding: .utf8)) ?? ""
    let body = FileManager.default.contents(atPath: folder + "/body").map { Array($0) } ?? []
    return CurlResult(status: result.status, headers: headers, body: body, stderr: result.stderr)
  }

  /// `curl` POSTing `json` with the API key.
  static func curlPost(_ url: String, json: String, _ extra: [String] = []) async throws -> CurlResult {
    try await curl(
      url,
      ["-H", "TT-API-KEY: \(Emulator.apiKey)", "-H", "Content-Type: application/json", "--data-binary", json]
        + extra)
  }
}

enum WireError: Error {
  case tool(String)
  case unexpected(String)
}
