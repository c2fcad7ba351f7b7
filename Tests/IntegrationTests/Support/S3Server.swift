import Foundation
import HTTPTypes
import SwapSyncKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A real S3-compatible server on a free loopback port: moto in server mode (`moto[server]` from
/// PyPI, installed by scripts/install-deps.sh), with SigV4 checking switched on, so a request
/// signed with a wrong secret is refused as real S3 refuses it.
///
/// Setup, while moto still accepts unauthenticated actions (`INITIAL_NO_AUTH_ACTION_COUNT`):
/// an IAM user with an access key and an `s3:*` policy, and the bucket. Then
/// `POST /moto-api/reset-auth 0` makes every later request need a valid signature by that key.
/// The server runs in its own process group, killed when the test ends (`stop()` or `deinit`).
final class S3Server: @unchecked Sendable {
  let endpoint: String
  let bucket = "swapsync-cache"
  let region = "us-east-1"
  let accessKeyID: String
  let secretAccessKey: String
  private let process: ChildProcess
  private let folder: String
  private let http = HTTPEngine(configuration: .init())

  /// `swapsync`'s environment for this server, optionally with another secret key.
  func environment(secret: String? = nil) -> [String: String] {
    [
      "AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secret ?? secretAccessKey,
      "AWS_REGION": region, "AWS_ENDPOINT_URL": endpoint,
    ]
  }

  init() async throws {
    folder =
      FileManager.default.temporaryDirectory.appendingPathComponent("swapsync-s3-\(UUID().uuidString)")
      .path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var started: (ChildProcess, Int)?
    var log = ""
    // Another process may take the free port between probe and bind: try a few ports.
    for _ in 0..<5 {
      let port = try NginxProxy.freePort()
      let process = try Self.spawnMoto(port: port, log: folder + "/moto.log")
      // Listening is not enough: another test's server may hold the port moto failed to bind.
      let listening = await Self.waitUntilListening(port: port, process: process)
      if listening, await Self.isMoto(port: port) {
        started = (process, port)
        break
      }
      Self.killGroup(process)
      log = NginxProxy.read(folder + "/moto.log") + NginxProxy.read(folder + "/moto.log.err")
      // Someone else's server on the port, or moto said so: another port. Else moto cannot start.
      if !listening && !log.contains("Address already in use") { break }
    }
    guard let (process, port) = started else {
      try? FileManager.default.removeItem(atPath: folder)
      throw S3ServerError.didNotStart(log)
    }
    self.process = process
    endpoint = "http://127.0.0.1:\(port)"
    do {
      (accessKeyID, secretAccessKey) = try await Self.setUp(endpoint: endpoint, bucket: bucket, http: http)
    } catch {
      Self.killGroup(process)
      throw error
    }
  }

  deinit {
    Self.killGroup(process)
    try? FileManager.default.removeItem(atPath: folder)
  }

  /// Kills the server now (the cache becomes unreachable) and waits for it.
  func stop() async {
    process.killGroup()
    _ = await process.wait()
  }

  /// Starts `python3 -m moto.server` as the leader of a new process group. The one place where
  /// this suite spawns the server.
  private static func spawnMoto(port: Int, log: String) throws -> ChildProcess {
    guard let python = executable("python3") else {
      throw S3ServerError.missing("python3 is not on PATH; install it and `pip install 'moto[server]'`")
    }
    // The server leads its own process group, killed at once: made here with setsid() unless
    // the spawner already made the child a group leader (then setsid() fails, and is not needed).
    let script =
      "import os, runpy, sys\n"
      + "try:\n    os.setsid()\nexcept OSError:\n    pass\n"
      + "assert os.getpgid(0) == os.getpid()\n"
      + "sys.argv = ['moto.server', '-H', '127.0.0.1', '-p', '\(port)']; "
      + "runpy.run_module('moto.server', run_name='__main__')"
    var environment = ProcessInfo.processInfo.environment
    // Unauthenticated actions allowed until setUp switches signature checking on.
    environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "1000000"
    return try ChildProcess(
      python, ["-c", script], environment: environment, cwd: FileManager.default.temporaryDirectory.path,
      stdout: .file(log), stderr: .file(log + ".err"))
  }

  static func executable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  private static func killGroup(_ process: ChildProcess) {
    process.killGroup()
  }

  /// Polls a TCP connect (no event to wait on) until moto listens, it exits, or 60 s pass.
  private static func waitUntilListening(port: Int, process: ChildProcess) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline && process.isRunning {
      if NginxProxy.canConnect(port: port) { return true }
      try? await Task.sleep(for: .milliseconds(50))
    }
    return false
  }

  /// Whether the server at `port` is moto (its dashboard, `/moto-api/data.json`, answers 200):
  /// a port found free can be taken by another test's server before moto binds it.
  private static func isMoto(port: Int) async -> Bool {
    let probe = HTTPEngine(configuration: .init())
    let answer = try? await probe.send(
      HTTPRequest(method: .get, url: "http://127.0.0.1:\(port)/moto-api/data.json", maxBodyBytes: 1 << 20))
    return answer?.status == 200
  }

  /// The IAM user, its key, its policy and the bucket; then signature checking on.
  private static func setUp(endpoint: String, bucket: String, http: HTTPEngine) async throws -> (
    String, String
  ) {
    func iam(_ action: String, _ parameters: [(String, String)]) async throws -> String {
      let form = ([("Action", action), ("Version", "2010-05-08"), ("UserName", "swapsync")] + parameters)
        .map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&")
      // Unsigned (auth is still off); the credential scope tells moto this is IAM.
      let scope =
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/iam/aws4_request, "
        + "SignedHeaders=host, Signature=0"
      let response = try await http.send(
        HTTPRequest(
          method: .post, url: endpoint + "/",
          headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", scope)],
          body: Array(form.utf8)))
      let text = String(decoding: response.body, as: UTF8.self)
      guard response.status == 200 else {
        throw S3ServerError.setup("\(action): HTTP \(response.status) \(text)")
      }
      return text
    }
    _ = try await iam("CreateUser", [])
    let key = try await iam("CreateAccessKey", [])
    guard let id = element("AccessKeyId", key), let secret = element("SecretAccessKey", key) else {
      throw S3ServerError.setup("CreateAccessKey: \(key)")
    }
    let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
    _ = try await iam("PutUserPolicy", [("PolicyName", "cache"), ("PolicyDocument", policy)])
    let created = try await http.send(
      HTTPRequest(method: .put, url: "\(endpoint)/\(bucket)", upload: .bytes([])))
    guard created.status == 200 else { throw S3ServerError.setup("CreateBucket: HTTP \(created.status)") }
    let reset = try await http.send(
      HTTPRequest(
        method: .post, url: endpoint + "/moto-api/reset-auth", headers: [("Content-Type", "text/plain")],
        body: Array("0".utf8)))
    guard reset.status == 200 else { throw S3ServerError.setup("reset-auth: HTTP \(reset.status)") }
    return (id, secret)
  }

  // MARK: Looking at the bucket, signed like any client

  private func signing(_ payload: String = AWSSigV4.emptyPayloadSHA256) -> AWSSigV4 {
    AWSSigV4(
      region: region, service: "s3", accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
      payloadSHA256: payload)
  }

  func url(_ key: String) -> String { "\(endpoint)/\(bucket)/\(key)" }

  /// GET of one object: status, body and content type.
  func object(_ key: String) async throws -> (status: Int, body: [UInt8], contentType: String?) {
    let response = try await http.send(
      HTTPRequest(method: .get, url: url(key), maxBodyBytes: 256 << 20, signing: signing()))
    return (response.status, response.body, response.headers[.contentType])
  }

  /// PUT of raw bytes under `key`, as another tool (or a fault) would write them.
  func put(_ key: String, _ bytes: [UInt8]) async throws -> Int {
    let hash = try TestDigest.sha256(bytes)
    let response = try await http.send(
      HTTPRequest(method: .put, url: url(key), upload: .bytes(bytes), signing: signing(hash)))
    return response.status
  }

  /// Every key in the bucket (one page: the tests store far fewer than 1000 objects).
  func keys() async throws -> [String] {
    let response = try await http.send(
      HTTPRequest(
        method: .get, url: "\(endpoint)/\(bucket)?list-type=2", maxBodyBytes: 16 << 20, signing: signing()))
    guard response.status == 200 else {
      throw S3ServerError.setup(
        "ListObjectsV2: HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
    }
    let text = String(decoding: response.body, as: UTF8.self)
    return text.components(separatedBy: "<Key>").dropFirst().compactMap {
      $0.components(separatedBy: "</Key>").first
    }
  }

  private static func element(_ name: String, _ text: String) -> String? {
    guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>") else { return nil }
    return String(text[start.upperBound..<end.lowerBound])
  }

  private static func formEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
  }
}

/// SHA-256 in hex of bytes, through the library's own file hashing (the test target does not
/// link a crypto library of its own).
enum TestDigest {
  static func sha256(_ bytes: [UInt8]) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swapsync-hash-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try Data(bytes).write(to: folder.appendingPathComponent("bytes"))
    guard let digest = try OutputFolder(root: folder.path).hash(relativePath: "bytes") else {
      throw S3ServerError.setup("cannot hash a temporary file")
    }
    return digest.sha256
  }
}

enum S3ServerError: Error, CustomStringConvertible {
  case missing(String)
  case didNotStart(String)
  case setup(String)

  var description: String {
    switch self {
    case .missing(let why): why
    case .didNotStart(let log):
      "moto did not start (is `moto[server]` installed? scripts/install-deps.sh installs it): \(log.suffix(2000))"
    case .setup(let detail): "moto setup failed: \(detail)"
    }
  }
}
