import Foundation
import Testing

@testable import SwapSyncKit

/// How long decoding a 100,000-entry lockfile takes. Prints the times, asserts none (timings on a
/// shared machine prove nothing); runs only with SWAPSYNC_BENCH=1:
/// `SWAPSYNC_BENCH=1 swift test --skip-build --filter LockfileDecodeBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SWAPSYNC_BENCH"] == "1"), .timeLimit(.minutes(5)))
struct LockfileDecodeBenchmark {
  @Test func decodeHundredThousandEntries() throws {
    var lock = Lockfile()
    for index in 0..<100_000 {
      lock.entries["people/\(index % 97)/target-\(index).jpg"] = LockEntry(
        targetImage: "https://img.example.com/targets/\(index).jpg",
        swapImage: "https://img.example.com/faces/\(index % 97).jpg", state: .done,
        jobId: "SWAP-FACE-\(171_349_414_479_347_616 + index)", sha256: String(repeating: "ab", count: 32),
        size: 100_000 + index, imageType: "jpeg", quota: 2, submittedAt: "2026-11-30T06:12:41Z",
        finishedAt: "2026-11-30T06:13:00Z")
    }
    let beforeEncode = Self.peakRSSMiB()
    let bytes = try LockfileCodec.encode(lock)
    print(
      "lockfile encode, 100000 entries: peak RSS \(beforeEncode) MiB before, \(Self.peakRSSMiB()) MiB after")
    var times: [String] = []
    for _ in 0..<3 {
      let start = Self.processCPUMilliseconds()
      let decoded = try LockfileCodec.decode(bytes, path: "bench.lock.json")
      times.append("\(Self.processCPUMilliseconds() - start) ms")
      #expect(decoded == lock)
    }
    print("lockfile decode, 100000 entries, \(bytes.count) bytes, process CPU time: \(times)")
  }

  private static func peakRSSMiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024
  }

  /// CPU time rather than wall time: the machine is shared, and waiting for a core is not decoding.
  private static func processCPUMilliseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return now.tv_sec * 1_000 + now.tv_nsec / 1_000_000
  }
}
