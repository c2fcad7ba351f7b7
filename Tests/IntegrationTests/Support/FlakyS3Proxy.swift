import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An S3 endpoint that fails now and then: Tests/Fixtures/s3/flaky-proxy.py in front of a real
/// `S3Server`, answering every `every`-th request with S3's `503 InternalError` (which AWS asks
/// clients to retry) and passing the others through. Killed when the test ends.
final class FlakyS3Proxy: @unchecked Sendable {
  let endpoint: String
  private let process: ChildProcess

  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/s3/flaky-proxy.py").path

  init(before server: S3Server, failingEvery every: Int) async throws {
    guard let python = S3Server.executable("python3") else {
      throw S3ServerError.missing("python3 is not on PATH")
    }
    process = try ChildProcess(
      python, [Self.script, server.endpoint, "\(every)"], environment: ProcessInfo.processInfo.environment,
      cwd: FileManager.default.temporaryDirectory.path, stdout: .pipe)
    let first = await process.readStdoutLine() ?? ""
    guard let start = first.range(of: "http://") else {
      _ = process.signal(SIGKILL)
      throw S3ServerError.didNotStart("the flaky proxy printed \(first)")
    }
    endpoint = String(first[start.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  deinit {
    _ = process.signal(SIGKILL)
    _ = process.waitBlocking()
  }

  /// `swapsync`'s environment for `server`, through this proxy.
  func environment(for server: S3Server) -> [String: String] {
    server.environment().merging(["AWS_ENDPOINT_URL": endpoint]) { $1 }
  }
}
