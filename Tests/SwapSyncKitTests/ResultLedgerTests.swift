import Foundation
import Testing

@testable import SwapSyncKit

/// `.swapsync/results.jsonl`: what swapsync installed, by checksum (docs/lockfile.md).
@Suite("result ledger", .timeLimit(.minutes(3)))
struct ResultLedgerTests {
  static let (aa, bb, dd) = (
    String(repeating: "a", count: 64), String(repeating: "b", count: 64), String(repeating: "d", count: 64)
  )

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
    writer.note([Self.done(Self.aa, job: "J1"), Self.done(Self.aa, job: "J1"), Self.done(Self.bb, job: nil)])
    let path = ResultLedger.path(stateDir: box.path)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("not json\n{\"sha256\":\"cc\"}\n".utf8))
    try handle.close()
    writer.note([Self.done(Self.aa, job: "J2", face: "g"), Self.done(Self.dd, job: "J3")])
    let handleAgain = try #require(FileHandle(forWritingAtPath: path))
    try handleAgain.seekToEnd()
    try handleAgain.write(contentsOf: Data("{\"sha256\":\"ee\",\"jobId\":\"J4\"".utf8))  // torn
    try handleAgain.close()
    let known = ResultLedger.load(stateDir: box.path)
    #expect(Set(known.keys) == [Self.aa, Self.dd])
    // The same bytes for two pairs: both are kept.
    #expect(known[Self.aa]?.map(\.jobId) == ["J1", "J2"], "\(known)")
    let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    // 1 + 2 foreign + 2 + the torn one: one line per distinct result with a job, per note.
    #expect(lines.split(separator: "\n").count == 6, "\(lines)")
  }

  @Test(
    "a line breaking the lockfile's rules is not trusted; a FIFO or a link in the ledger's place is not read")
  func untrustedLines() throws {
    let box = try StoreTestSandbox()
    let sha = String(repeating: "a", count: 64)
    let good =
      #"{"sha256":"\#(sha)","jobId":"J1","targetImage":"https://t.example/t.jpg","swapImage":"https://t.example/f.jpg"}"#
    let lines = [
      good.replacingOccurrences(of: "J1", with: "../../etc"),
      good.replacingOccurrences(of: #""jobId""#, with: #""submittedAt":"yesterday","jobId""#),
      good.replacingOccurrences(of: sha, with: "not-a-sha"),
    ]
    let path = ResultLedger.path(stateDir: box.path)
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    #expect(ResultLedger.load(stateDir: box.path).isEmpty)
    try Data((good + "\n").utf8).write(to: URL(fileURLWithPath: path))
    #expect(ResultLedger.load(stateDir: box.path)[sha]?.first?.jobId == "J1")

    try FileManager.default.removeItem(atPath: path)
    #expect(mkfifo(path, 0o600) == 0)
    #expect(ResultLedger.load(stateDir: box.path).isEmpty)  // returns at once: a FIFO is not opened
    ResultLedger.Writer(stateDir: box.path).note([Self.done(Self.aa, job: "J1")])  // nor written to
  }

  @Test(
    "each result is noted with every output it was installed at, latest first; a path that breaks the output rules is dropped"
  )
  func outputsAreNoted() throws {
    let box = try StoreTestSandbox()
    let writer = ResultLedger.Writer(stateDir: box.path)
    writer.note([("sub/a.png", Self.done(Self.aa, job: "J1")), ("b.png", Self.done(Self.aa, job: "J1"))])
    writer.note([("../../etc/x.png", Self.done(Self.bb, job: "J2")), (nil, Self.done(Self.dd, job: "J3"))])
    let known = ResultLedger.load(stateDir: box.path)
    #expect(known[Self.aa]?.map(\.outputs) == [["b.png", "sub/a.png"]])
    #expect(known[Self.bb]?.map(\.outputs) == [[]])
    #expect(known[Self.dd]?.map(\.outputs) == [[]])
    writer.note([("sub/a.png", Self.done(Self.aa, job: "J1"))])
    #expect(ResultLedger.load(stateDir: box.path)[Self.aa]?.map(\.outputs) == [["sub/a.png", "b.png"]])
  }
}
