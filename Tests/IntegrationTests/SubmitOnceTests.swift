import Foundation
import Testing

/// A submit leaves the machine at most once per attempt the journal knows about (docs/safety.md).
@Suite("submit at most once", .timeLimit(.minutes(3)))
struct SubmitOnceTests {
  @Test(
    "a submit whose connection dies without an answer is sent once, left uncertain, bought again only on request"
  )
  func droppedSubmitIsSentOnce() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "50ms"])
    // Let the first submit through, then drop the next answer after creating its job. By then the
    // first job's polls have left a keep-alive connection that libcurl would reuse — and, on its
    // death, silently resend the request over a fresh one.
    try await emulator.configure(
      #"{"faults":[{"endpoint":"submit","kind":"ambiguousSubmit","after":1,"count":1}]}"#)
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), office = emulator.sample("target-office")
    let alice = emulator.sample("face-alice")
    try sandbox.writeManifest([("a.png", beach, alice), ("b.png", office, alice)])
    let first = try await sandbox.swapsync(
      ["sync", "--jobs", "1", "--poll-interval", "20ms"], emulator: emulator)
    #expect(first.status == 1, "\(first.stderr)")
    #expect(first.stderr.contains("swapsync sync --resubmit uncertain"))
    var stats = try await emulator.stats()
    #expect(stats.submits == 2)
    #expect(stats.jobsCreated == 2)
    #expect(stats.maxJobsPerPair == 1)
    #expect(stats.faultsInjected?["submit:ambiguousSubmit"] == 1)

    // Uncertain entries are never resubmitted silently.
    let again = try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator)
    #expect(again.status == 1)
    #expect(try await emulator.stats().submits == 2)
    let plan = try await sandbox.swapsync(["plan"], emulator: nil)
    #expect(plan.status == 1)

    let bought = try await sandbox.swapsync(
      ["sync", "--resubmit", "uncertain", "--poll-interval", "20ms"], emulator: emulator)
    #expect(bought.status == 0, "\(bought.stderr)")
    stats = try await emulator.stats()
    #expect(stats.submits == 3)
    #expect(stats.maxJobsPerPair == 2)
    #expect(isPNG(sandbox.read("out/a.png")) && isPNG(sandbox.read("out/b.png")))
  }
}
