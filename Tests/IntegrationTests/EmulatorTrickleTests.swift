import Foundation
import SwapSyncKit
import Testing

/// The emulator's `trickle` fault: status and headers at once, then one body byte per interval.
/// Every client here has a bounded timeout; the emulator must stop writing when the client
/// leaves and must not let a stalled body hold up its shutdown.
@Suite("emulator trickle fault", .timeLimit(.minutes(5)))
struct EmulatorTrickleTests {
  /// `curl --max-time` for a stalled download: long enough for headers and a few bytes.
  static let clientLimit = "2"

  static func trickling(_ stats: [String: Any]) -> Int? { Wire.field(stats, "tricklesActive") as? Int }

  @Test("cdn:trickle:200ms#1 sends the real Content-Length, then bytes slowly; stops when the client leaves")
  func stalledDownload() async throws {
    let emulator = try await Emulator(arguments: ["--fault", "cdn:trickle:200ms#1"])
    let jobId = try await Wire.finishedJob(emulator)
    let cdn = try #require(
      Wire.field(try await Wire.fetch(emulator, jobId: jobId), "data", "cdnImage") as? String)

    let stalled = try await Wire.curl(cdn, ["--max-time", Self.clientLimit])
    #expect(stalled.status == 28, "curl should time out: \(stalled.stderr)")
    #expect(stalled.code == 200 && stalled.header("Content-Type") == "image/png")
    let length = try #require(stalled.header("Content-Length").flatMap { Int($0) })
    #expect(!stalled.body.isEmpty && stalled.body.count < length, "\(stalled.body.count) of \(length)")
    // The client is gone: the next writes fail and the emulator gives up on the body.
    #expect(
      try await Wire.waitForStats(emulator) { Self.trickling($0) == 0 },
      "still writing to a closed connection")

    // The fault was #1: the same URL now answers at once, and the trickled bytes were its start.
    let whole = try await Wire.curl(cdn)
    #expect(whole.status == 0 && whole.body.count == length)
    #expect(Array(whole.body.prefix(stalled.body.count)) == stalled.body)
    #expect(try await Wire.faults(emulator, "cdn:trickle") == 1)
  }

  @Test("HTTPEngine's timeout ends a trickled download; a trickled fetch answer arrives whole")
  func libraryClient() async throws {
    let emulator = try await Emulator(arguments: [
      "--fault", "cdn:trickle:1h#1", "--fault", "fetch:trickle:1ms#1",
    ])
    let jobId = try await Wire.finishedJob(emulator)
    // 1 ms per byte: a few hundred bytes of JSON, whole and valid.
    let answer = try await Wire.fetch(emulator, jobId: jobId)
    #expect(Wire.field(answer, "status") as? String == "SUCCESS")
    let cdn = try #require(Wire.field(answer, "data", "cdnImage") as? String)
    #expect(try await Wire.faults(emulator, "fetch:trickle") == 1)

    do {
      _ = try await Wire.send(Wire.request(.get, cdn, timeout: .seconds(1)))
      Issue.record("a download stalled for an hour per byte completed")
    } catch {
      guard case .timedOut = error as? HTTPError else {
        Issue.record("unexpected error \(error)")
        return
      }
    }
    #expect(try await Wire.waitForStats(emulator) { Self.trickling($0) == 0 })
  }

  @Test("SIGTERM stops the emulator while a body trickles; the client sees the connection close")
  func shutdownWhileTrickling() async throws {
    let emulator = try await TerminableEmulator(arguments: ["--fault", "cdn:trickle:1h"])
    let jobId = try await Wire.finishedJob(emulator)
    let cdn = try #require(
      Wire.field(try await Wire.fetch(emulator, jobId: jobId), "data", "cdnImage") as? String)
    let folder = try Wire.scratch()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let download = try ChildProcess(
      "/usr/bin/curl", ["-sS", "-o", "body", "--max-time", "120", cdn], environment: Wire.tools, cwd: folder,
      stderr: .file(folder + "/curl.err"))
    // Bounded by the machine's load only: the trickle starts once curl has connected (a full
    // suite beside a build once took more than 30 s to get there).
    let started = try await Wire.waitForStats(emulator, limit: .seconds(90)) { Self.trickling($0) == 1 }
    let curlSaid = (try? String(contentsOfFile: folder + "/curl.err", encoding: .utf8)) ?? ""
    #expect(
      started, "the trickle never started; curl \(download.isRunning ? "still runs" : "exited"): \(curlSaid)")

    emulator.terminate()
    let status = try await emulator.waitForExit(limit: .seconds(60))
    #expect(status == 0, "the emulator did not stop within a minute of SIGTERM")
    if status == nil { emulator.killNow() }
    let curlStatus = await download.wait().status
    #expect(curlStatus == 18, "curl should report a partial transfer (18), got \(curlStatus)")
  }
}
