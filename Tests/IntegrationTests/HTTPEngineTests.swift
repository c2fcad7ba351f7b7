import Foundation
import SwapSyncKit
import Testing

/// The libcurl engine itself, against the emulator on loopback: streaming, limits, redirects,
/// cancellation.
@Suite("HTTP engine", .timeLimit(.minutes(3)))
struct HTTPEngineTests {
  let engine = HTTPEngine(configuration: .init())

  /// A file to download into, removed afterwards.
  final class Scratch: @unchecked Sendable {
    let folder: OutputFolder
    let sandbox: Sandbox
    init() throws {
      sandbox = try Sandbox()
      folder = try OutputFolder(root: sandbox.path("out"))
    }
  }

  @Test("a large body streams to the file and is hashed on the way")
  func streamedDownload() async throws {
    let emulator = try await Emulator()
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"oversizeBody","arg":"20MiB"}]}"#)
    let scratch = try Scratch()
    let temp = try scratch.folder.makeTempFile()
    let result = try await engine.download(
      HTTPRequest(method: .get, url: emulator.baseURL + "/cdn/x.png", maxBodyBytes: 64 << 20), to: temp.fd)
    #expect(result.status == 200)
    #expect(result.size == 20 << 20)
    #expect(ImageType.sniff(result.prefix) == .png)
    try scratch.folder.install(temp, at: "big.png")
    let digest = try #require(try scratch.folder.hash(relativePath: "big.png"))
    #expect(digest.size == 20 << 20)
    #expect(digest.sha256 == result.sha256)
  }

  /// An emulator answering every CDN request with `fault`, an engine with three loop threads,
  /// a scratch folder, and the CDN URL to download.
  static func threeLoops(fault: String) async throws -> (Emulator, HTTPEngine, Scratch, String) {
    let emulator = try await Emulator()
    try await emulator.configure(#"{"faults":["# + fault + "]}")
    return (
      emulator, HTTPEngine(configuration: .init(), loops: 3), try Scratch(), emulator.baseURL + "/cdn/x.png"
    )
  }

  @Test("concurrent downloads on several loop threads each stream whole into their own file")
  func downloadsAcrossLoops() async throws {
    let (emulator, engine, scratch, url) = try await Self.threeLoops(
      fault: #"{"endpoint":"cdn","kind":"oversizeBody","arg":"4MiB"}"#)
    let results = try await withThrowingTaskGroup(of: (Int, DownloadResult).self) { group in
      for index in 0..<6 {
        let temp = try scratch.folder.makeTempFile()
        group.addTask {
          let result = try await engine.download(
            HTTPRequest(method: .get, url: url, maxBodyBytes: 8 << 20), to: temp.fd)
          try scratch.folder.install(temp, at: "\(index).png")
          return (index, result)
        }
      }
      return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }
    #expect(results.count == 6)
    for (index, result) in results {
      let digest = try #require(try scratch.folder.hash(relativePath: "\(index).png"))
      #expect(digest.size == 4 << 20 && result.size == 4 << 20)
      #expect(digest.sha256 == result.sha256)
    }
    #expect(Set(results.values.map(\.sha256)).count == 1)
    #expect(try await emulator.stats().cdn == 6)
  }

  @Test("stopping a run cancels downloads on every loop thread")
  func cancelAcrossLoops() async throws {
    let (emulator, engine, scratch, url) = try await Self.threeLoops(
      fault: #"{"endpoint":"cdn","kind":"slow","arg":"1h"}"#)
    let tasks = try (0..<4).map { _ in
      let temp = try scratch.folder.makeTempFile()
      return Task { () -> HTTPError? in
        defer { scratch.folder.discard(temp) }
        do throws(HTTPError) {
          _ = try await engine.download(
            HTTPRequest(method: .get, url: url, timeout: .seconds(3600)), to: temp.fd)
          return nil
        } catch {
          return error
        }
      }
    }
    // Stop once every request has reached the emulator (each then waits an hour to answer).
    while try await emulator.stats().cdn < 4 { await Task.yield() }
    engine.cancelTransfers(includingSubmits: false)
    for task in tasks {
      let error = await task.value
      guard case .cancelled? = error else {
        Issue.record("expected cancellation, got \(String(describing: error))")
        continue
      }
    }
  }

  @Test("a body over the limit aborts the transfer")
  func sizeLimit() async throws {
    let emulator = try await Emulator()
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"oversizeBody","arg":"3MiB"}]}"#)
    let scratch = try Scratch()
    let temp = try scratch.folder.makeTempFile()
    await #expect(throws: HTTPError.self) {
      _ = try await engine.download(
        HTTPRequest(method: .get, url: emulator.baseURL + "/cdn/x.png", maxBodyBytes: 1 << 20), to: temp.fd)
    }
    scratch.folder.discard(temp)
  }

  @Test("a redirect to file:// is refused, not followed")
  func redirectToFile() async throws {
    let emulator = try await Emulator()
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"redirectToFile"}]}"#)
    do {
      _ = try await engine.send(HTTPRequest(method: .get, url: emulator.baseURL + "/cdn/x.png"))
      Issue.record("the redirect was followed")
    } catch {
      guard case .refusedURL(let url, _) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(url.hasPrefix("file:"))
    }
  }

  @Test("endless redirects stop after five hops")
  func redirectLoop() async throws {
    let emulator = try await Emulator()
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"redirectLoop"}]}"#)
    do {
      _ = try await engine.send(HTTPRequest(method: .get, url: emulator.baseURL + "/cdn/x.png"))
      Issue.record("an endless redirect loop returned")
    } catch {
      guard case .tooManyRedirects = error else {
        Issue.record("unexpected error \(error)")
        return
      }
    }
    #expect(try await emulator.stats().cdn == 6)
  }

  @Test("cancelling the task removes the transfer")
  func cancellation() async throws {
    let emulator = try await Emulator()
    try await emulator.configure(#"{"faults":[{"endpoint":"cdn","kind":"slow","arg":"1h"}]}"#)
    let engine = self.engine
    let url = emulator.baseURL + "/cdn/x.png"
    let task = Task { () -> HTTPError? in
      do throws(HTTPError) {
        _ = try await engine.send(HTTPRequest(method: .get, url: url, timeout: .seconds(3600)))
        return nil
      } catch {
        return error
      }
    }
    // Cancel once the request has reached the emulator (it then waits an hour to answer).
    while try await emulator.stats().cdn == 0 { await Task.yield() }
    task.cancel()
    let error = await task.value
    guard case .cancelled? = error else {
      Issue.record("expected cancellation, got \(String(describing: error))")
      return
    }
  }

  @Test("a refused connection is classified as never sent")
  func connectionRefused() async throws {
    let refusing = try Faults.RefusingPort()
    do {
      _ = try await engine.send(
        HTTPRequest(method: .post, url: "http://127.0.0.1:\(refusing.port)/x", body: [1]))
      Issue.record("a closed port answered")
    } catch {
      #expect(error.requestCertainlyNotSent)
    }
    withExtendedLifetime(refusing) {}
  }

  @Test("plain http to a non-loopback host is refused before anything is sent")
  func policy() async throws {
    do {
      _ = try await engine.send(HTTPRequest(method: .get, url: "http://203.0.113.7/x.png"))
      Issue.record("a non-loopback http URL was requested")
    } catch {
      guard case .refusedURL = error else {
        Issue.record("unexpected error \(error)")
        return
      }
    }
  }
}
