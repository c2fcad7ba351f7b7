import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SwapSyncKit

/// Blocking file-system work runs off Swift's cooperative pool (one thread per core).
///
/// The whole test suite shares that pool: on a loaded 2-core machine this test may wait a long
/// time for a thread of its own, so its bounds are generous; a BlockingIO on the pool still
/// fails it (its closures would hold the pool until their gate times out).
@Suite("blocking I/O", .timeLimit(.minutes(3)))
struct BlockingIOTests {
  final class Started: Sendable {
    let count = Mutex(0)
  }

  @Test("more blocked closures than cores, and the cooperative pool still runs tasks")
  func blockedWorkLeavesThePoolFree() async throws {
    let blocked = ProcessInfo.processInfo.activeProcessorCount + 2
    let gate = DispatchSemaphore(value: 0)
    let started = Started()
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
      for index in 0..<blocked {
        group.addTask {
          try await BlockingIO.run { () throws(FileSystemError) in
            started.count.withLock { $0 += 1 }
            // Bounded, so that a broken BlockingIO fails the test instead of hanging it.
            return gate.wait(timeout: .now() + 120) == .success ? index : -1_000
          }
        }
      }
      // Were the closures on the cooperative pool, they would hold all of its threads and this
      // task would not run again before their waits time out.
      while started.count.withLock({ $0 }) < blocked { try await Task.sleep(for: .milliseconds(5)) }
      for _ in 0..<blocked { gate.signal() }
      return try await group.reduce(0, +)
    }
    #expect(total == (0..<blocked).reduce(0, +))
  }
}
