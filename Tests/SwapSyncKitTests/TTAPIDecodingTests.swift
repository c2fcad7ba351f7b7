import Foundation
import Testing

@testable import SwapSyncKit

/// Decoding of TTAPI answers: the documented JSON (docs/http.md) and the drift seen in the wild.
@Suite("TTAPI decoding", .timeLimit(.minutes(3)))
struct TTAPIDecodingTests {
  private func submit(_ json: String) throws -> SubmitAnswer {
    try JSONDecoder().decode(SubmitAnswer.self, from: Data(json.utf8))
  }

  private func fetch(_ json: String) throws -> FetchAnswer {
    try JSONDecoder().decode(FetchAnswer.self, from: Data(json.utf8))
  }

  @Test("the documented submit answer")
  func documentedSubmit() throws {
    let answer = try submit(
      #"{"status":"SUCCESS","message":"","data":{"jobId":"SWAP-FACE-171349414479347616"}}"#)
    #expect(answer.jobId == "SWAP-FACE-171349414479347616")
    #expect(answer.status == "SUCCESS")
    #expect(meaningfulMessage(answer.message) == nil)
  }

  @Test("submit drift: job_id, null message, extra fields, numeric id")
  func submitDrift() throws {
    #expect(
      try submit(#"{"status":"SUCCESS","message":null,"data":{"job_id":"SWAP-1"},"x":1}"#).jobId == "SWAP-1")
    #expect(try submit(#"{"status":"SUCCESS","message":"success","data":{"jobId":42}}"#).jobId == "42")
    #expect(try submit(#"{"status":"FAILED","message":"insufficient quota","data":null}"#).jobId == nil)
  }

  @Test("the documented fetch answer")
  func documentedFetch() throws {
    let json = """
      {"status":"SUCCESS","jobId":"SWAP-FACE-171349414479347616","data":{"jobId":"SWAP-FACE-171349414479347616",\
      "targetImage":"https://img.example.com/t.jpg","swapImage":"https://img.example.com/f.jpg",\
      "discordImage":"https://cdn.discordapp.com/x.png?ex=1","cdnImage":"https://cdn.ttapi.io/x.png?ex=2",\
      "hookUrl":"https://hooks.example.com/h","quota":2}}
      """
    let answer = try fetch(json)
    let snapshot = JobSnapshot(answer: answer, jobId: "SWAP-FACE-171349414479347616")
    #expect(snapshot.state == .succeeded)
    #expect(snapshot.quota == 2)
    #expect(
      snapshot.resultURLs == ["https://cdn.ttapi.io/x.png?ex=2", "https://cdn.discordapp.com/x.png?ex=1"])
  }

  @Test("fetch drift: quota as string, discordImage absent or equal, job_id")
  func fetchDrift() throws {
    let a = try fetch(
      #"{"status":"SUCCESS","message":null,"data":{"job_id":"J","cdnImage":"https://c/x","quota":"2"}}"#)
    #expect(a.quota == 2)
    #expect(a.jobId == "J")
    #expect(a.resultURLs == ["https://c/x"])
    let b = try fetch(
      #"{"status":"SUCCESS","data":{"cdnImage":"https://c/x","discordImage":"https://c/x","quota":2}}"#)
    #expect(b.resultURLs == ["https://c/x"])
    let c = try fetch(#"{"status":"SUCCESS","data":{"discordImage":"https://d/x","quota":"n/a"}}"#)
    #expect(c.resultURLs == ["https://d/x"])
    #expect(c.quota == nil)
    // A negative cost is not one the lockfile can record (its reader refuses it): not reported.
    #expect(try fetch(#"{"status":"SUCCESS","data":{"cdnImage":"https://c/x","quota":-2}}"#).quota == nil)
    #expect(try fetch(#"{"status":"SUCCESS","data":{"cdnImage":"https://c/x","quota":"-1"}}"#).quota == nil)
    #expect(try fetch(#"{"status":"SUCCESS","data":{"cdnImage":"https://c/x","quota":0}}"#).quota == 0)
    // Nor a cost past any real price: a run adds its jobs' costs up, and Int64's maximum twice
    // would trap.
    #expect(
      try fetch(#"{"status":"SUCCESS","data":{"cdnImage":"https://c/x","quota":9223372036854775807}}"#).quota
        == nil)
    #expect(
      try fetch(#"{"status":"SUCCESS","data":{"cdnImage":"https://c/x","quota":1000000000}}"#).quota
        == 1_000_000_000)
  }

  @Test("status vocabulary: queued, running, failed with message, unknown treated as running")
  func statuses() throws {
    #expect(
      JobSnapshot(answer: try fetch(#"{"status":"PENDING_QUEUE","data":null}"#), jobId: "J").state == .queued)
    #expect(JobSnapshot(answer: try fetch(#"{"status":"ON_QUEUE","data":{}}"#), jobId: "J").state == .running)
    #expect(
      JobSnapshot(answer: try fetch(#"{"status":"FAILED","message":"insufficient quota"}"#), jobId: "J").state
        == .failed(message: "insufficient quota"))
    #expect(
      JobSnapshot(answer: try fetch(#"{"status":"FAILED","message":""}"#), jobId: "J").state
        == .failed(message: "the job failed (no reason given)"))
    #expect(
      JobSnapshot(answer: try fetch(#"{"status":"WARMING_UP"}"#), jobId: "J").state
        == .unrecognized("WARMING_UP"))
  }

  @Test("job ids from the server are checked")
  func jobIDs() {
    #expect(JobID.isSafe("SWAP-FACE-171349414479347616"))
    #expect(!JobID.isSafe("../../etc/passwd"))
    #expect(!JobID.isSafe("a/b"))
    #expect(!JobID.isSafe(""))
    #expect(!JobID.isSafe("a..b"))
    #expect(!JobID.isSafe(String(repeating: "a", count: 129)))
  }

  @Test("exit statuses combine in the order of docs/exit-codes.md: 64, 65, 77, 73, 69, 1, 75, 0")
  func exitOrder() {
    let order: [SwapSyncKit.ExitStatus] = [
      .usage, .invalidInput, .denied, .cannotWrite, .unavailable, .attention, .tryLater, .inSync,
    ]
    for (i, higher) in order.enumerated() {
      for lower in order[(i + 1)...] {
        #expect(higher.combined(with: lower) == higher)
        #expect(lower.combined(with: higher) == higher)
      }
    }
  }
}
