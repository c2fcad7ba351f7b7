/// Counters reported by `GET /_emulator/stats`; `POST /_emulator/reset` zeroes them.
struct EmulatorStats: Sendable {
  /// Request families counted under `requests`.
  enum Counter: String, CaseIterable, Sendable {
    case submit, fetch, cdn, discord, samples
  }

  var requests: [Counter: Int] = [:]
  var jobsCreated = 0
  var pairs: [String: Int] = [:]
  var hooksDelivered = 0
  var hooksSkipped = 0
  var hooksFailed = 0
  var faultsInjected: [String: Int] = [:]
  /// `trickle` bodies still being written (a gauge: reset keeps it).
  var tricklesActive = 0

  func json(running: Int, jobsKnown: Int) -> EmulatorJSON {
    .object([
      ("requests", .object(Counter.allCases.map { ($0.rawValue, .int(Int64(requests[$0] ?? 0))) })),
      ("jobsCreated", .int(Int64(jobsCreated))),
      ("pairs", .object(pairs.keys.sorted().map { ($0, .int(Int64(pairs[$0] ?? 0))) })),
      ("hooksDelivered", .int(Int64(hooksDelivered))),
      ("hooksSkipped", .int(Int64(hooksSkipped))),
      ("hooksFailed", .int(Int64(hooksFailed))),
      (
        "faultsInjected",
        .object(faultsInjected.keys.sorted().map { ($0, .int(Int64(faultsInjected[$0] ?? 0))) })
      ),
      ("tricklesActive", .int(Int64(tricklesActive))),
      ("running", .int(Int64(running))),
      ("jobsKnown", .int(Int64(jobsKnown))),
    ])
  }
}
