import Foundation
import SwapSyncKit
import Testing

/// A 400 or 404 is TTAPI's word about a request or a job only when it carries TTAPI's error
/// answer (docs/http.md): a wrong `--api-base` answering 404 with an empty body fails no
/// entry, loses no paid job and buys nothing; the run stops with 69 naming the address.
@Suite("API address", .timeLimit(.minutes(3)))
struct APIAddressTests {
  @Test("a 404 that is not TTAPI's answer stops the run with 69 and changes no entry, paid or not")
  func wrongBaseURL() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    let entries = Faults.entries(emulator, count: 3)
    // e0 is done with its file deleted, e1 runs at TTAPI, e2 was never bought.
    try sandbox.writeManifest([entries[0]])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try await emulator.finishAllJobs()
    #expect(try await sandbox.swapsync(Faults.sync, emulator: emulator).status == 0)
    try sandbox.writeManifest([entries[0], entries[1]])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    try FileManager.default.removeItem(atPath: sandbox.path("out/e0.png"))
    try sandbox.writeManifest(entries)
    let lockfile = try #require(sandbox.read("swaps.lock.json"))

    // Each command of a run hits the wrong address: the restore's fetch, the poll, the submit.
    for command in [["--jobs", "1"], ["--max-submits", "0"]] {
      let run = try await sandbox.swapsync(
        Faults.sync + ["--no-wait", "--api-base", emulator.baseURL + "/typo"] + command, emulator: emulator)
      #expect(run.status == 69, "\(run.stderr)")
      #expect(run.stderr.contains("which is not TTAPI's error answer"), "\(run.stderr)")
      #expect(run.stderr.contains("check --api-base"), "\(run.stderr)")
      #expect(sandbox.read("swaps.lock.json") == lockfile, "\(run.stderr)")
      let statuses = try await Faults.statuses(sandbox)
      #expect(statuses["e0.png"]?.status == .modified)
      #expect(statuses["e1.png"]?.status == .running)
      #expect(statuses["e2.png"]?.status == .missing)
    }
    #expect(try await emulator.stats().jobsCreated == 2)

    // With the right address, everything converges without buying anything twice.
    try await emulator.finishAllJobs()
    let fixed = try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator)
    #expect(fixed.status == 75, "\(fixed.stderr)")
    try await emulator.finishAllJobs()
    let done = try await sandbox.swapsync(Faults.sync, emulator: emulator)
    #expect(done.status == 0, "\(done.stderr)")
    let stats = try await emulator.stats()
    #expect(stats.jobsCreated == 3 && stats.maxJobsPerPair == 1)
  }

  @Test(
    "another API's JSON 404 (a numeric status, JSend's error) is not TTAPI's: 69, the running job kept; TTAPI's own 400 to a fetch is"
  )
  func otherJSONIsNotTTAPIs() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "1h"])
    let sandbox = try Sandbox()
    try sandbox.writeManifest([Faults.twoEntries(emulator)[0]])
    #expect(try await sandbox.swapsync(Faults.sync + ["--no-wait"], emulator: emulator).status == 75)
    let problem = #"{"type":"about:blank","title":"Not Found","status":404,"detail":"No static resource"}"#
    let jsend = #"{"status":"error","message":"no such route"}"#
    for body in [problem, jsend] {
      let proxy = try await NginxProxy(
        upstream: emulator.baseURL, tls: false,
        extraLocations: "location /insightFace/ { default_type application/json; return 404 '\(body)'; }")
      let run = try await sandbox.swapsync(
        Faults.sync + ["--no-wait", "--api-base", proxy.baseURL], emulator: nil)
      await proxy.stop()
      #expect(run.status == 69, "\(body): \(run.stderr)")
      #expect(run.stderr.contains("which is not TTAPI's error answer"), "\(run.stderr)")
      #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .running)
    }
    // TTAPI's own error answer with 400 to a fetch: the service refuses the job id (lost).
    let refusal = #"{"status":"FAILED","message":"jobId is invalid","data":null}"#
    let proxy = try await NginxProxy(
      upstream: emulator.baseURL, tls: false,
      extraLocations:
        "location = /insightFace/v1/fetch { default_type application/json; return 400 '\(refusal)'; }")
    let refused = try await sandbox.swapsync(
      Faults.sync + ["--no-wait", "--api-base", proxy.baseURL], emulator: nil)
    await proxy.stop()
    #expect(refused.status == 1, "\(refused.stderr)")
    #expect(refused.stderr.contains("jobId is invalid"), "\(refused.stderr)")
    #expect(try await Faults.statuses(sandbox)["a.png"]?.status == .lost)
    #expect(try await emulator.stats().jobsCreated == 1)
  }
}
