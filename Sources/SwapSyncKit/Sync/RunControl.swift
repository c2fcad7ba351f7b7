import Foundation

/// Shared state of one run: why it stopped (if it did), the submit budget, the wait
/// deadline, and consecutive API failures (for exit 69).
actor RunControl {
  /// The most severe failure so far; it decides the exit status.
  private(set) var failure: SwapSyncFailure?
  /// Set by `halt`: no new work starts, waiting ends.
  private(set) var stopped = false
  private var submitsLeft: Int?
  private(set) var submitsDeferred = 0
  private var consecutiveFailures = 0
  let waitDeadline: ContinuousClock.Instant
  /// This many API failures in a row, with no success between, mean the API is unavailable.
  static let unavailableAfter = 12

  init(maxSubmits: Int?, timeout: Duration) {
    submitsLeft = maxSubmits
    waitDeadline = .now + timeout
  }

  var waitExpired: Bool { ContinuousClock.now >= waitDeadline }

  /// Stops the run: no new work starts, and `failure` is reported unless a worse one is.
  func halt(_ failure: SwapSyncFailure) {
    stopped = true
    report(failure)
  }

  /// Reports a failure that concerns one entry; the rest of the run goes on.
  func report(_ failure: SwapSyncFailure) {
    self.failure = failure.worse(than: self.failure)
  }

  /// Takes one submit from the `--max-submits` budget, or counts it as deferred.
  func takeSubmit() -> Bool {
    guard let left = submitsLeft else { return true }
    guard left > 0 else {
      submitsDeferred += 1
      return false
    }
    submitsLeft = left - 1
    return true
  }

  /// Gives back a budgeted submit that was certainly not sent.
  func returnSubmit() {
    if let left = submitsLeft { submitsLeft = left + 1 }
  }

  func apiSucceeded() { consecutiveFailures = 0 }

  func apiFailed(_ retry: Retry) {
    guard retry.unavailable else { return }
    consecutiveFailures += 1
    if consecutiveFailures >= Self.unavailableAfter {
      halt(SwapSyncFailure(.unavailable, "the TTAPI service is unavailable: \(retry.reason)"))
    }
  }

  /// Sleeps `delay` but not past the wait deadline; false when the run should stop waiting.
  func canWait() -> Bool { !stopped && !waitExpired }
}

/// Exponential backoff with full jitter, honouring the server's `Retry-After`.
enum Backoff {
  static func delay(
    attempt: Int, base: Duration = .milliseconds(250), cap: Duration = .seconds(30),
    retryAfter: Duration? = nil
  ) -> Duration {
    if let retryAfter { return retryAfter }
    let exponent = min(attempt, 16)
    let ceiling = min(cap, base * (1 << exponent))
    let fraction = Double.random(in: 0.5...1.0)
    return ceiling * fraction
  }
}
