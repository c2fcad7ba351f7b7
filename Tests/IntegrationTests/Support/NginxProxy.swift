import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A real nginx on a free loopback port in front of the emulator, optionally serving TLS with a
/// certificate from a throwaway CA made by the `openssl` CLI. Everything nginx touches (config,
/// pid, logs, temp folders, keys) lives in one temporary folder, so it runs as root without
/// touching /var. `extraLocations` is pasted into the server block before the catch-all proxy.
///
/// Call `stop()` at the end of a test: it keeps the proxy alive until then and waits for nginx to
/// exit. `deinit` kills and reaps it too, for the paths where a test throws before that.
final class NginxProxy: @unchecked Sendable {
  static let candidates = [
    "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx",
  ]

  let port: Int
  let folder: String
  /// The CA that signed the server certificate (nil for a plain-http proxy).
  let caPath: String?
  private let process: ChildProcess

  var baseURL: String { (caPath == nil ? "http" : "https") + "://127.0.0.1:\(port)" }
  var accessLog: String { (try? String(contentsOfFile: folder + "/access.log", encoding: .utf8)) ?? "" }

  init(upstream: String, tls: Bool = true, extraLocations: String = "") async throws {
    guard let nginx = Self.candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    else {
      throw ProxyError.missing(
        "nginx is not installed (looked in \(Self.candidates.joined(separator: ", "))); "
          + "install the Debian packages `nginx openssl` (scripts/install-deps.sh does)")
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swapsync-nginx-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let caPath: String? = tls ? try await TestCA.make(in: folder, serverCertificate: true) : nil
    // Another process may take the free port between probe and bind: try a few ports.
    var lastError = ""
    for _ in 0..<5 {
      let port = try Self.freePort()
      try Self.config(folder: folder, port: port, upstream: upstream, tls: tls, extra: extraLocations)
        .write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
      let process = try ChildProcess(
        nginx, ["-p", folder + "/", "-c", folder + "/nginx.conf", "-e", folder + "/error.log"],
        environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], cwd: folder,
        stdout: .file(folder + "/nginx.stderr"),
        stderr: .descriptor(1))  // the child's own fd 1: the file actions run in order
      if await Self.waitUntilListening(port: port, process: process) {
        self.port = port
        self.folder = folder
        self.caPath = caPath
        self.process = process
        return
      }
      process.killGroup()
      _ = await process.wait()
      lastError = Self.read(folder + "/nginx.stderr") + Self.read(folder + "/error.log")
      if !lastError.contains("Address already in use") { break }
    }
    try? FileManager.default.removeItem(atPath: folder)
    throw ProxyError.didNotStart(lastError)
  }

  deinit {
    process.killGroup()
    _ = process.waitBlocking()
    try? FileManager.default.removeItem(atPath: folder)
  }

  /// Terminates nginx (SIGTERM: fast shutdown) and waits for it to exit.
  func stop() async {
    process.signal(SIGTERM)
    _ = await process.wait()
  }

  private static func config(folder: String, port: Int, upstream: String, tls: Bool, extra: String) -> String
  {
    """
    daemon off;
    master_process off;
    worker_processes 1;
    pid \(folder)/nginx.pid;
    error_log \(folder)/error.log warn;
    events { worker_connections 64; }
    http {
      access_log \(folder)/access.log;
      client_body_temp_path \(folder)/body;
      proxy_temp_path \(folder)/proxy;
      fastcgi_temp_path \(folder)/fastcgi;
      uwsgi_temp_path \(folder)/uwsgi;
      scgi_temp_path \(folder)/scgi;
      server {
        listen 127.0.0.1:\(port)\(tls ? " ssl" : "");
        server_name localhost;
        \(tls ? "ssl_certificate \(folder)/server.pem; ssl_certificate_key \(folder)/server.key;" : "")
        \(extra)
        location / {
          proxy_pass \(upstream);
          proxy_set_header Host $http_host;
          proxy_http_version 1.1;
          proxy_set_header Connection "";
        }
      }
    }

    """
  }

  /// Polls a TCP connect (no event to wait on) until nginx listens, it exits, or 60 s pass. The
  /// last look comes after the deadline: a test task that was not scheduled for a while (2 shared
  /// cores, every test in parallel) must not give up on an nginx that is listening by then.
  private static func waitUntilListening(port: Int, process: ChildProcess) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline && process.isRunning && !Task.isCancelled {
      if canConnect(port: port) { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return process.isRunning && canConnect(port: port)
  }

  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ProxyError.didNotStart("socket: errno \(errno)") }
    defer { close(fd) }
    var address = loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
        bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
      }
    }
    guard bound else { throw ProxyError.didNotStart("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  static func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopback(port: port)
    return withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }

  private static func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }

  static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}

enum ProxyError: Error, CustomStringConvertible {
  case missing(String)
  case didNotStart(String)
  case openssl(String)

  var description: String {
    switch self {
    case .missing(let why): why
    case .didNotStart(let log): "nginx did not start: \(log)"
    case .openssl(let log): "openssl failed: \(log)"
    }
  }
}

/// A throwaway CA (`ca.pem`, `ca.key`) made with the `openssl` CLI, and optionally a server
/// certificate it signed for 127.0.0.1 / localhost (`server.pem`, `server.key`). P-256 keys: fast.
enum TestCA {
  /// Returns the path of the CA certificate.
  static func make(in folder: String, serverCertificate: Bool) async throws -> String {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try await openssl(
      ["req", "-x509"] + ec + [
        "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=swapsync throwaway test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      ], in: folder)
    if serverCertificate {
      try """
      basicConstraints = CA:FALSE
      keyUsage = critical, digitalSignature
      extendedKeyUsage = serverAuth
      subjectAltName = IP:127.0.0.1, DNS:localhost

      """.write(toFile: folder + "/server.ext", atomically: true, encoding: .utf8)
      try await openssl(
        ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], in: folder)
      try await openssl(
        [
          "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        ], in: folder)
    }
    return folder + "/ca.pem"
  }

  private static func openssl(_ arguments: [String], in folder: String) async throws {
    guard
      let tool = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(
        where: FileManager.default.isExecutableFile)
    else {
      throw ProxyError.missing("the openssl CLI is not installed; install the Debian package `openssl`")
    }
    let result = try await ProcessRunner.run(
      tool, arguments, cwd: folder, environment: ["PATH": "/usr/bin:/bin"])
    guard result.status == 0 else {
      throw ProxyError.openssl("openssl \(arguments.joined(separator: " ")): \(result.stderr)")
    }
  }
}

// MARK: - Looking at a whole folder tree (used by the bad-input, secret and TLS tests)
