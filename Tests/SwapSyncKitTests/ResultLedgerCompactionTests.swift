import Foundation
import Testing

@testable import SwapSyncKit

/// `results.jsonl` is rewritten once it grows past `ResultLedger.compactionThreshold`
/// (docs/lockfile.md, "The state folder").
@Suite("result ledger compaction", .timeLimit(.minutes(3)))
struct ResultLedgerCompactionTests {
  static func lines(_ text: String) -> [UInt8] { Array(text.utf8) }

  @Test("repeated lines go, the later one kept where it stood; past the budget the oldest go")
  func compacted() {
    let ledger = Self.lines("a\nb\na\nc\nb\n")
    #expect(ResultLedger.compacted(ledger, keeping: 100) == Self.lines("a\nc\nb\n"))
    #expect(ResultLedger.compacted(ledger, keeping: 4) == Self.lines("c\nb\n"))
    #expect(ResultLedger.compacted([], keeping: 4).isEmpty)
  }

  @Test("a ledger past the threshold is rewritten by the run's first append, and still answers")
  func writerCompacts() throws {
    let box = try StoreTestSandbox()
    let path = ResultLedger.path(stateDir: box.path)
    let entry = ResultLedgerTests.done(ResultLedgerTests.aa, job: "J1")
    let line = ResultLedger.lines([entry])
    // A folder restored over and over: the same result noted again and again, past the
    // threshold (64 KiB here, 32 MiB in a run).
    let threshold = 64 << 10
    let repeats = threshold / line.count + 1
    var big: [UInt8] = []
    big.reserveCapacity(repeats * line.count)
    for _ in 0..<repeats { big += line }
    try Data(big).write(to: URL(fileURLWithPath: path))
    ResultLedger.Writer(stateDir: box.path, compactionThreshold: threshold).note([
      ResultLedgerTests.done(ResultLedgerTests.bb, job: "J2")
    ])
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let compacted =
      Array(bytes) == line + ResultLedger.lines([ResultLedgerTests.done(ResultLedgerTests.bb, job: "J2")])
    #expect(compacted, "\(bytes.count) bytes after the append")
    let known = ResultLedger.load(stateDir: box.path)
    #expect(known[ResultLedgerTests.aa]?.map(\.jobId) == ["J1"])
    #expect(known[ResultLedgerTests.bb]?.map(\.jobId) == ["J2"])
  }

  @Test("a ledger under the threshold, or a link in its place, is left as it is")
  func leftAlone() throws {
    let box = try StoreTestSandbox()
    let path = ResultLedger.path(stateDir: box.path)
    let repeated = Self.lines("x\nx\nx\n")
    try Data(repeated).write(to: URL(fileURLWithPath: path))
    ResultLedger.compact(path: path, threshold: repeated.count)
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == repeated)
    ResultLedger.compact(path: path, threshold: repeated.count - 1)
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == Self.lines("x\n"))

    let target = box.path + "/elsewhere.jsonl"
    try Data(repeated).write(to: URL(fileURLWithPath: target))
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    ResultLedger.compact(path: path, threshold: 1)
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: target))) == repeated)
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == target)
  }
}
