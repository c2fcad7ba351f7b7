import Foundation

/// Why a run stopped before its work was done.
public enum StopReason: Sendable, Equatable {
  /// SIGINT, SIGTERM or SIGHUP (the signal number).
  case signal(Int32)
  /// `--timeout` ran out.
  case timeout
  /// A failure that ends the run (exit 69, 73, 77).
  case failure
}

/// Shared state of one run: why it stopped (if it did), the wait deadline, and consecutive API
/// failures (for exit 69).
actor RunControl {
  /// The most severe failure so far; it decides the exit status.
  private(set) var failure: SwapSyncFailure?
  /// Set by `stop`: no new work starts, waiting ends.
  private(set) var stopReason: StopReason?
  /// Submits `--max-submits` held back (SyncEngine decides which, before any task starts).
  let submitsDeferred: Int
  private var consecutiveFailures = 0
  /// Whether any API request of this run got a usable answer.
  private var apiAnswered = false
  /// Why the last API request failed as unavailable (5xx, connection failure), if one did.
  private var lastUnavailable: String?
  /// Sleepers to wake when the run stops.
  private var sleepers: [Int: CheckedContinuation<Void, Never>] = [:]
  private var nextSleeper = 0
  let waitDeadline: ContinuousClock.Instant
  /// This many API failures in a row, with no success between, mean the API is unavailable.
  static let unavailableAfter = 12

  init(submitsDeferred: Int = 0, timeout: Duration) {
    self.submitsDeferred = submitsDeferred
    waitDeadline = .now + timeout
  }

  var stopped: Bool { stopReason != nil }
  var waitExpired: Bool { ContinuousClock.now >= waitDeadline }

  /// Stops the run: no new work starts, every sleeper wakes. The first reason is kept, except
  /// that a signal outranks a failure or `--timeout` (the exit status then says the run was
  /// interrupted: a Ctrl-C while `--timeout` waits for submit answers exits 130, not 75).
  func stop(_ reason: StopReason) {
    // The time ran out while the API had never answered: that is "unavailable" (69), whichever
    // of the watchdog and the retrying submit gets here first, not "try again later" (75).
    if reason == .timeout, stopReason == nil, !apiAnswered, let lastUnavailable {
      report(SwapSyncFailure(.unavailable, "the TTAPI service is unavailable: \(lastUnavailable)"))
    }
    let isSignal = if case .signal = reason { true } else { false }
    let wasSignal = if case .signal? = stopReason { true } else { false }
    if stopReason == nil || (stopReason == .failure && reason != .failure) || (isSignal && !wasSignal) {
      stopReason = reason
    }
    for sleeper in sleepers.values { sleeper.resume() }
    sleepers = [:]
  }

  /// Stops the run: no new work starts, and `failure` is reported unless a worse one is.
  func halt(_ failure: SwapSyncFailure) {
    report(failure)
    stop(.failure)
  }

  /// Reports a failure that concerns one entry; the rest of the run goes on.
  func report(_ failure: SwapSyncFailure) {
    self.failure = failure.worse(than: self.failure)
  }

  func apiSucceeded() {
    consecutiveFailures = 0
    apiAnswered = true
  }

  func apiFailed(_ retry: Retry) {
    guard retry.unavailable else { return }
    lastUnavailable = retry.reason
    consecutiveFailures += 1
    if consecutiveFailures >= Self.unavailableAfter {
      halt(SwapSyncFailure(.unavailable, "the TTAPI service is unavailable: \(retry.reason)"))
    }
  }

  /// Whether the run may still wait for something.
  func canWait() -> Bool { !stopped && !waitExpired }

  /// Sleeps `duration`, but not past the wait deadline, and wakes at once when the run stops.
  func sleep(_ duration: Duration) async {
    let remaining = waitDeadline - .now
    let delay = max(.zero, min(duration, remaining))
    guard !stopped, delay > .zero else { return }
    // A counter, not a UUID: Foundation's UUID reads /dev/urandom, once per poll of every job.
    nextSleeper += 1
    let id = nextSleeper
    let timer = Task { [weak self] in
      try? await Task.sleep(for: delay)
      await self?.wake(id)
    }
    await withCheckedContinuation { sleepers[id] = $0 }
    timer.cancel()
  }

  private func wake(_ id: Int) {
    sleepers.removeValue(forKey: id)?.resume()
  }
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
