import Foundation
import Testing

@testable import SwapSyncKit

/// `.swapsync/results.jsonl`: what swapsync installed, by checksum (docs/lockfile.md).
@Suite("result ledger", .timeLimit(.minutes(1)))
struct ResultLedgerTests {
  static func done(_ sha: String, job: String?, face: String = "f") -> LockEntry {
    var entry = LockEntry(
      targetImage: "https://t.example/t.jpg", swapImage: "https://t.example/\(face).jpg", state: .done)
    entry.sha256 = sha
    entry.jobId = job
    return entry
  }

  @Test(
    "appended results are found by checksum; job-less ones, bad and torn lines are skipped; a later line wins"
  )
  func appendAndLoad() throws {
    let box = try StoreTestSandbox()
    #expect(ResultLedger.load(stateDir: box.path).isEmpty)
    let writer = ResultLedger.Writer(stateDir: box.path)
    writer.note([Self.done("aa", job: "J1"), Self.done("aa", job: "J1"), Self.done("bb", job: nil)])
    let path = ResultLedger.path(stateDir: box.path)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("not json\n{\"sha256\":\"cc\"}\n".utf8))
    try handle.close()
    writer.note([Self.done("aa", job: "J2", face: "g"), Self.done("dd", job: "J3")])
    let handleAgain = try #require(FileHandle(forWritingAtPath: path))
    try handleAgain.seekToEnd()
    try handleAgain.write(contentsOf: Data("{\"sha256\":\"ee\",\"jobId\":\"J4\"".utf8))  // torn
    try handleAgain.close()
    let known = ResultLedger.load(stateDir: box.path)
    #expect(Set(known.keys) == ["aa", "dd"])
    #expect(known["aa"] == ResultLedger.Known(jobId: "J2", pair: Self.done("aa", job: nil, face: "g").pair))
    let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    // 1 + 2 foreign + 2 + the torn one: one line per distinct result with a job, per note.
    #expect(lines.split(separator: "\n").count == 6, "\(lines)")
  }
}
