import Foundation
import SwapSyncKit
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP during `swapsync push` (docs/exit-codes.md, "Interrupts"): no new
/// upload starts, the ones under way finish, what was pushed is recorded and said, and the exit
/// status is 128 + the signal number. A later push sends only the rest.
@Suite("interrupts: push", .timeLimit(.minutes(3)))
struct PushInterruptTests {
  static let outputs = 24

  @Test(
    "a first signal during push records every object pushed, says what was done and exits 128 + N",
    arguments: InterruptTests.signals)
  func firstSignalRecordsPushes(_ signal: InterruptTests.SignalCase) async throws {
    let sandbox = try Sandbox()
    let files = try await CacheSupport.adoptLargeOutputs(sandbox, count: Self.outputs, size: 2 << 20)
    // The signal must land while the push still has objects to send. On a loaded machine this
    // thread may see "[2/24]" only after the push sent everything (22 objects take ~0.1 s): such
    // an attempt says nothing about signals, so the cache is emptied and the push tried again.
    var result = CommandResult(status: 0, stdout: "", stderr: "")
    for _ in 0..<3 {
      try? FileManager.default.removeItem(atPath: sandbox.path("cache"))
      try? FileManager.default.removeItem(atPath: sandbox.path("out/.swapsync/cache-pushed.json"))
      let run = try CacheSupport.start(
        sandbox, ["push", "--cache", "cache", "--uploads", "1"], environment: [:])
      let sent = await CacheSupport.killWhen(run, signal: signal.signal) {
        run.stderr.contains("[2/\(Self.outputs)]")
      }
      #expect(sent, "the push ended before its second object: \(run.stderr)")
      result = await run.finish()
      if result.status != 0 || !result.stderr.contains("[\(Self.outputs)/\(Self.outputs)]") { break }
    }
    #expect(result.status == signal.exit, "\(result.stderr)")
    #expect(result.stderr.contains("\(signal.name) received: stopping"), "\(result.stderr)")
    #expect(result.stderr.contains("interrupted by \(signal.name)"), "\(result.stderr)")
    #expect(result.stderr.contains("run `swapsync push` again"), "\(result.stderr)")
    // What was printed `pushed` is what the summary counts, what is in the cache, and what the
    // record says is there.
    let pushed = result.stderr.split(separator: "\n").filter { $0.hasSuffix(": pushed") }.count
    #expect(pushed >= 2 && pushed < Self.outputs, "\(result.stderr)")
    let left = Self.outputs - pushed
    #expect(
      result.stderr.contains("\(pushed) pushed, 0 already there, \(left) not tried"), "\(result.stderr)")
    let objects = CacheSupport.folderObjects(sandbox.path("cache"))
    #expect(objects.count == pushed)
    for (name, bytes) in objects {
      #expect(try TestDigest.sha256(Array(bytes)) == name, "partial or wrong object \(name)")
    }
    let recorded = try await CacheSupport.inCache(sandbox, arguments: ["--cache", "cache"])
    #expect(recorded.values.filter { $0 == true }.count == pushed, "\(recorded)")
    #expect(recorded.values.filter { $0 == false }.count == left, "\(recorded)")

    let again = try await sandbox.swapsync(["push", "--cache", "cache"], emulator: nil)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("\(left) pushed, \(pushed) already there"), "\(again.stderr)")
    let complete = CacheSupport.folderObjects(sandbox.path("cache"))
    #expect(complete.count == files.count)
  }

  @Test(
    "a first SIGINT while push waits for an S3 server that never answers ends it at once, not at the request's timeout"
  )
  func signalCutsOffProbes() async throws {
    let sandbox = try Sandbox()
    _ = try await CacheSupport.adoptLargeOutputs(sandbox, count: 2, size: 1 << 10)
    // A server that takes connections (the kernel completes them) and never answers.
    let (silent, port) = try LoopbackListener.open()
    defer { close(silent) }
    let endpoint = "http://127.0.0.1:\(port)"
    let run = try CacheSupport.start(
      sandbox, ["push", "--cache", "s3://swapsync-cache/x", "--allow-http"],
      environment: [
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL": endpoint,
      ])
    // A connection waiting in the listener's queue: the push's HEAD is on its way.
    let interrupted = await CacheSupport.killWhen(run, signal: SIGINT) {
      var entry = pollfd(fd: silent, events: Int16(POLLIN), revents: 0)
      return poll(&entry, 1, 0) == 1
    }
    #expect(interrupted, "\(run.stderr)")
    // The HEAD's timeout is 60 s; cut off, the push ends long before.
    let end = run.process.waitBlocking(timeout: .seconds(30))
    if end == nil { _ = run.process.signal(SIGKILL) }
    #expect(end == .exited(130), "\(run.stderr)")
    #expect(run.stderr.contains("not tried"), "\(run.stderr)")
  }
}
