import Foundation
import Synchronization
import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct JournalTests {
  static func entry(_ state: EntryState, job: String? = nil) -> LockEntry {
    LockEntry(
      targetImage: "https://t.example/t.jpg", swapImage: "https://f.example/f.jpg", state: state, jobId: job)
  }

  @Test func replaysBatchesInOrderAndAppliesThem() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("out/.swapsync/journal.jsonl")
    let journal = try Journal(path: path)
    try await journal.append(["a.jpg": Self.entry(.submitting)])
    try await journal.append(["a.jpg": Self.entry(.running, job: "J1"), "b.jpg": Self.entry(.submitting)])
    try await journal.append(["b.jpg": nil])
    try await journal.append([:])  // no-op
    let batches = try Journal.replay(path: path)
    #expect(batches.count == 3)
    #expect(batches[0] == ["a.jpg": Self.entry(.submitting)])
    let removal: [String: LockEntry?] = ["b.jpg": nil]
    #expect(batches[2] == removal)
    #expect(batches[2].keys.contains("b.jpg"))
    var lock = Lockfile(entries: ["old.jpg": Self.entry(.done)])
    Journal.apply(batches, to: &lock)
    #expect(lock.entries == ["old.jpg": Self.entry(.done), "a.jpg": Self.entry(.running, job: "J1")])
    let text = String(decoding: box.read("out/.swapsync/journal.jsonl") ?? [], as: UTF8.self)
    #expect(text.split(separator: "\n").count == 3)
    #expect(text.contains("\"b.jpg\":null"))
  }

  @Test func replayOfMissingJournalIsEmpty() throws {
    let box = try StoreTestSandbox()
    #expect(try Journal.replay(path: box.url("nothing.jsonl")).isEmpty)
  }

  @Test func tornFinalLineIsIgnoredAndCutOnReopen() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    do {
      let journal = try Journal(path: path)
      try await journal.append(["a.jpg": Self.entry(.running, job: "J1")])
    }
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(#"{"b.jpg":{"jobId":"J2","state":"runn"#.utf8))
    try handle.close()
    #expect(try Journal.replay(path: path) == [["a.jpg": Self.entry(.running, job: "J1")]])

    let reopened = try Journal(path: path)
    try await reopened.append(["c.jpg": Self.entry(.submitting)])
    let batches = try Journal.replay(path: path)
    #expect(batches.count == 2, "the torn line was cut, so the new line does not follow garbage")
    #expect(batches[1] == ["c.jpg": Self.entry(.submitting)])
  }

  @Test func finalLineOfNulBytesIsACrashArtifact() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let journal = try Journal(path: path)
    try await journal.append(["a.jpg": Self.entry(.running, job: "J1")])
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data([UInt8](repeating: 0, count: 40) + [0x0A]))
    try handle.close()
    #expect(try Journal.replay(path: path).count == 1)
  }

  @Test func corruptionBeforeTheEndIsReported() throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let good =
      #"{"a.jpg":{"state":"running","swapImage":"https://f/s","targetImage":"https://t/t","jobId":"J1"}}"#
    let bad = #"{"b.jpg":{"state":"exploded","swapImage":"https://f/s","targetImage":"https://t/t"}}"#
    try box.write(Array("\(good)\n\(bad)\n\(good)\n".utf8), to: "journal.jsonl")
    #expect {
      try Journal.replay(path: path)
    } throws: { error in
      guard let error = error as? LockfileError, case .corruptJournal(let errorPath, let line, _) = error
      else {
        return false
      }
      return errorPath == path && line == 2 && error.description.hasPrefix("\(path): line 2 is corrupt")
    }
    try box.write(Array("\(good)\nnot json at all\n\(good)\n".utf8), to: "journal.jsonl")
    #expect(throws: LockfileError.self) { try Journal.replay(path: path) }
    // A complete, newline-terminated but invalid final line is corruption too, not a torn write.
    try box.write(Array("\(good)\n\(bad)\n".utf8), to: "journal.jsonl")
    #expect(throws: LockfileError.self) { try Journal.replay(path: path) }
  }

  @Test func resetEmptiesTheJournal() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let journal = try Journal(path: path)
    try await journal.append(["a.jpg": Self.entry(.submitting)])
    try journal.reset()
    #expect(try Journal.replay(path: path).isEmpty)
    #expect(box.read("journal.jsonl") == [])
    try await journal.append(["b.jpg": Self.entry(.submitting)])
    #expect(try Journal.replay(path: path) == [["b.jpg": Self.entry(.submitting)]])
  }

  @Test func concurrentAppendsEachLandAsOneWholeLine() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let journal = try Journal(path: path)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for index in 0..<64 {
        group.addTask {
          try await journal.append(["out/\(index).jpg": Self.entry(.running, job: "J\(index)")])
        }
      }
      try await group.waitForAll()
    }
    let batches = try Journal.replay(path: path)
    #expect(batches.count == 64)
    var lock = Lockfile()
    Journal.apply(batches, to: &lock)
    #expect(lock.entries.count == 64)
    #expect(lock.entries["out/7.jpg"]?.jobId == "J7")
  }

  @Test func refusesJournalThatIsASymlink() throws {
    let box = try StoreTestSandbox()
    try box.write([], to: "elsewhere/target")
    try box.symlink("journal.jsonl", to: box.url("elsewhere/target"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("journal.jsonl"))) {
      try Journal(path: box.url("journal.jsonl"))
    }
  }

  @Test func appendAfterCloseFails() async throws {
    let box = try StoreTestSandbox()
    let journal = try Journal(path: box.url("journal.jsonl"))
    journal.close()
    await #expect(throws: FileSystemError.self) { try await journal.append(["a": Self.entry(.submitting)]) }
  }

  @Test func writeReturnsAtOnceAndTheFlusherMakesItDurable() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let journal = try Journal(path: path)
    let told = Mutex<[String]>([])
    var marks: [JournalMark] = []
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
      let mark = try #require(
        try journal.write([name: Self.entry(.submitting)], notify: { told.withLock { $0.append(name) } }))
      marks.append(mark)
    }
    #expect(try journal.write([:]) == nil)
    // A blocking wait (the blocking-I/O threads') and a task's wait both return once durable.
    let second = marks[1]
    try await Task.detached { try journal.waitBlocking(second) }.value
    try await journal.waitUntilDurable(marks[2])
    try await journal.flush()
    #expect(told.withLock { $0 } == ["a.jpg", "b.jpg", "c.jpg"], "notified in line order, once durable")
    #expect(try Journal.replay(path: path).count == 3)
    // After a reset, older marks count as durable: their lines are in the lockfile by then.
    try journal.reset()
    try await journal.waitUntilDurable(marks[0])
    let next = try #require(try journal.write(["d.jpg": Self.entry(.submitting)]))
    #expect(next.end < marks[2].end)
    try await journal.waitUntilDurable(next)
    #expect(try Journal.replay(path: path) == [["d.jpg": Self.entry(.submitting)]])
  }

  @Test func writeAfterCloseFails() throws {
    let box = try StoreTestSandbox()
    let journal = try Journal(path: box.url("journal.jsonl"))
    journal.close()
    #expect(throws: FileSystemError.self) { try journal.write(["a": Self.entry(.submitting)]) }
  }

  @Test("a purchase's intent allocates room for the records it will add, without growing the file")
  func intentReservesRoom() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let journal = try Journal(path: path)
    let mark = try #require(try journal.write(["a.jpg": Self.entry(.submitting)], reservingFollowers: true))
    try await journal.waitUntilDurable(mark)
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(Int(info.st_size) == mark.end, "the size is the line's: replay sees no padding")
    // Allocated blocks (512-byte units) cover the line and the room promised after it.
    let promised = Journal.room(afterIntent: mark.end, outputs: 1)
    #expect(
      Int(info.st_blocks) * 512 >= mark.end + promised, "\(info.st_blocks) blocks for \(mark.end) bytes")
    #expect(try Journal.replay(path: path) == [["a.jpg": Self.entry(.submitting)]])
  }

  @Test("other lines never take a purchase's room: they are written only with room beside it")
  func purchaseRoomIsKept() async throws {
    let box = try StoreTestSandbox()
    let path = box.url("journal.jsonl")
    let journal = try Journal(path: path)
    let intent = try #require(try journal.write(["a.jpg": Self.entry(.submitting)], reservingFollowers: true))
    let promised = Journal.room(afterIntent: intent.end, outputs: 1)
    func allocatedPastEnd() -> Int {
      var info = stat()
      _ = stat(path, &info)
      return Int(info.st_blocks) * 512 - Int(info.st_size)
    }
    // Lines of other entries, 50 KB in all: each finds the purchase's room still allocated.
    let big = LockEntry(
      targetImage: "https://t.example/" + String(repeating: "t", count: 5000),
      swapImage: "https://f.example/f.jpg",
      state: .running, jobId: "J0")
    for index in 0..<10 {
      _ = try journal.write(["other\(index).jpg": big])
      #expect(allocatedPastEnd() >= promised, "after line \(index): \(allocatedPastEnd()) bytes")
    }
    // The purchase's own records draw on it; its last one releases it.
    _ = try journal.write(["a.jpg": Self.entry(.running, job: "J1")])
    let removal: [String: LockEntry?] = ["a.jpg": nil]
    let last = try #require(try journal.write(removal))
    try await journal.waitUntilDurable(last)
    #expect(try Journal.replay(path: path).count == 13)
  }

  @Test("the room a purchase is promised covers its three later records, for 1 to 100 outputs per pair")
  func promiseCoversTheRecords() throws {
    let target = "https://img.example.com/targets/" + String(repeating: "t", count: 80) + ".jpg"
    let face = "https://img.example.com/faces/alice.jpg"
    for count in [1, 5, 20, 100] {
      let outputs = (0..<count).map { "team/alice/output-\($0).png" }
      func line(_ entry: LockEntry) -> Int {
        CompactJSON.batch(Dictionary(uniqueKeysWithValues: outputs.map { ($0, .some(entry)) })).count + 1
      }
      let intent = line(
        LockEntry(
          targetImage: target, swapImage: face, state: .submitting, submittedAt: "2026-11-30T06:12:39Z"))
      let job = "SWAP-FACE-171349414479347616", sha = String(repeating: "9f", count: 32)
      let followers =
        line(
          LockEntry(
            targetImage: target, swapImage: face, state: .running, jobId: job,
            submittedAt: "2026-11-30T06:12:39Z"))
        + line(
          LockEntry(
            targetImage: target, swapImage: face, state: .running, jobId: job, sha256: sha, size: 48_213_000,
            imageType: "jpeg", submittedAt: "2026-11-30T06:12:39Z"))
        + line(
          LockEntry(
            targetImage: target, swapImage: face, state: .done, jobId: job, sha256: sha, size: 48_213_000,
            imageType: "jpeg", quota: 2, submittedAt: "2026-11-30T06:12:39Z",
            finishedAt: "2026-11-30T06:13:02Z"))
      let promised = Journal.room(afterIntent: intent, outputs: count)
      #expect(promised >= followers, "\(count) outputs: \(promised) promised, \(followers) needed")
    }
  }
}
