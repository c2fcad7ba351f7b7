import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Headless Chromium (Debian's `chromium` package) for the gallery's browser test.
enum Chromium {
  /// The browser's path: `$CHROMIUM`, else the first of the usual names found; nil if none.
  static let path: String? = {
    if let override = ProcessInfo.processInfo.environment["CHROMIUM"], !override.isEmpty { return override }
    let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  /// Whether the browser test runs: always in CI (where a missing browser is a failure), elsewhere
  /// only when a browser is installed.
  static var shouldRun: Bool { path != nil || ProcessInfo.processInfo.environment["CI"] != nil }

  enum Failure: Error, CustomStringConvertible {
    case notInstalled
    case timedOut([String])
    case failed(Int32, String)
    var description: String {
      switch self {
      case .notInstalled:
        "chromium is not installed: `apt-get install -y chromium` (.ci/run must install it)"
      case .timedOut(let arguments): "chromium did not finish within the deadline: \(arguments)"
      case .failed(let status, let stderr): "chromium exited \(status): \(stderr.suffix(2000))"
      }
    }
  }

  /// Runs headless Chromium on `url` with `extra` flags and returns its stdout. A run that does not
  /// end within `deadline` is killed and reported (the browser exits by itself once the page and
  /// its virtual time budget are done).
  static func run(_ extra: [String], url: String, scratch: String, deadline: Duration = .seconds(120))
    async throws -> String
  {
    guard let path else { throw Failure.notInstalled }
    let arguments =
      [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--hide-scrollbars", "--user-data-dir=\(scratch)/profile",
      ] + extra + [url]
    let out = scratch + "/chromium.stdout", err = scratch + "/chromium.stderr"
    let process = try ChildProcess(
      path, arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": scratch], cwd: scratch,
      stdout: .file(out),
      stderr: .file(err))
    let finished = await Crash.eventually(timeout: deadline) { !process.isRunning }
    if !finished {
      process.killGroup()
      throw Failure.timedOut(arguments)
    }
    let status = await process.wait().status
    let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    guard status == 0 else {
      throw Failure.failed(status, (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
    return stdout
  }
}
