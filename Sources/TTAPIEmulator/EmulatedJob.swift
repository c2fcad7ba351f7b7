/// TTAPI job status vocabulary.
public enum JobStatus: String, Sendable {
  case pendingQueue = "PENDING_QUEUE"
  case onQueue = "ON_QUEUE"
  case success = "SUCCESS"
  case failed = "FAILED"

  var isFinished: Bool { self == .success || self == .failed }
}

/// One swap job: its inputs, when it was bought, how long it runs and how it will end.
struct EmulatedJob: Sendable {
  let id: String
  let targetImage: String
  let swapImage: String
  let hookUrl: String?
  let submittedAt: ContinuousClock.Instant
  /// Duration captured at submit, so later config changes only affect new jobs.
  var duration: Duration
  /// FAILED message decided at submit from `failWhen`; nil means the job succeeds.
  let failureMessage: String?
  var hookClaimed = false

  /// Status by elapsed time: first half PENDING_QUEUE, second half ON_QUEUE, then the outcome.
  func status(at now: ContinuousClock.Instant) -> JobStatus {
    let elapsed = now - submittedAt
    if elapsed >= duration {
      return failureMessage == nil ? .success : .failed
    }
    return elapsed * 2 < duration ? .pendingQueue : .onQueue
  }

  /// When the job reaches its final status.
  var finishesAt: ContinuousClock.Instant { submittedAt + duration }
}
