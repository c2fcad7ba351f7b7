import Foundation
import Synchronization
import Testing

@testable import SwapSyncKit

/// `StateStore`: when records reach memory, the journal and the observer (docs/lockfile.md,
/// "journal.jsonl"; docs/events.md).
@Suite(.timeLimit(.minutes(3))) struct StateStoreTests {
  /// Remembers what it is told, in order.
  final class Heard: SyncObserver {
    let changes = Mutex<[EntryChange]>([])
    func runStarted(total: Int, states: [EntryStatus: Int], plannedSubmits: Int) {}
    func recorded(_ change: EntryChange) { changes.withLock { $0.append(change) } }
    func downloading(_ delta: Int) {}
    func warn(_ line: String) {}
    func runEnded(summary: String) {}
    var causes: [String] { changes.withLock { $0.map { "\($0.output):\($0.cause)" } } }
  }

  static func entry(_ state: EntryState, job: String? = nil) -> LockEntry {
    LockEntry(
      targetImage: "https://t.example/t.jpg", swapImage: "https://f.example/f.jpg", state: state, jobId: job)
  }

  static func store(_ box: StoreTestSandbox, _ heard: Heard) throws -> StateStore {
    StateStore(
      lock: Lockfile(), lockPath: box.url("swaps.lock.json"),
      journal: try Journal(path: box.url("journal.jsonl")),
      onDisk: nil, observer: heard)
  }

  @Test(
    "records are heard once durable, in journal order; the checkpoint waits for the ones nobody waited for")
  func recordsAreHeardInOrder() async throws {
    let box = try StoreTestSandbox()
    let heard = Heard()
    let store = try Self.store(box, heard)
    try await store.record(
      ["a.png": Self.entry(.submitting)], cause: "submitIntended", reservingFollowers: true)
    #expect(heard.causes == ["a.png:submitIntended"], "a waited-for record is heard before record returns")
    let mark = try await store.record(
      ["a.png": Self.entry(.running, job: "J1")], cause: "jobCreated", waiting: false)
    #expect(await store.entry("a.png")?.jobId == "J1", "applied at once")
    try await store.record(["b.png": Self.entry(.submitting)], cause: "submitIntended")
    try store.waitBlocking(try #require(mark))
    try await store.checkpoint()
    #expect(heard.causes == ["a.png:submitIntended", "a.png:jobCreated", "b.png:submitIntended"])
    #expect(try Journal.replay(path: box.url("journal.jsonl")).isEmpty, "folded into the lockfile")
    let lockfile = String(decoding: box.read("swaps.lock.json") ?? [], as: UTF8.self)
    #expect(lockfile.contains("J1") && lockfile.contains("b.png"))
  }

  @Test("a job id the journal refused is kept for the lockfile and heard at once")
  func rememberedJobIdIsHeard() async throws {
    let box = try StoreTestSandbox()
    let heard = Heard()
    let store = try Self.store(box, heard)
    try await store.record(["a.png": Self.entry(.submitting)], cause: "submitIntended")
    await store.remember(["a.png": Self.entry(.running, job: "J9")], cause: "jobCreated")
    #expect(heard.causes == ["a.png:submitIntended", "a.png:jobCreated"])
    #expect(heard.changes.withLock { $0.last?.jobId } == "J9")
    try await store.checkpoint()
    #expect(String(decoding: box.read("swaps.lock.json") ?? [], as: UTF8.self).contains("J9"))
  }
}
