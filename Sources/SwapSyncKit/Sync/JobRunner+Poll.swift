import Foundation

/// Polling a job until it ends at TTAPI.
extension JobRunner {
  /// Polls the job with backoff until it has a result, and returns that answer. Returns nil when
  /// the job ended without one (recorded), or when the run stops waiting: the entry then stays
  /// `running`, collectable by the next run.
  ///
  /// A `SUCCESS` answer without a result URL is not an end: the service fills the URLs in later,
  /// so it is polled again like a running job, until `--job-deadline`.
  ///
  /// Polls of an unfinished job follow `PollSchedule`: the delay grows with the time waited, so a
  /// result is seen at most about a tenth of that time after it is ready.
  func follow(_ plan: JobPlan, jobId: String, firstWait: Duration) async throws -> JobSnapshot? {
    var wait = firstWait
    let schedule = PollSchedule(first: options.pollInterval)
    let started = ContinuousClock.now
    var failures = 0
    // The reason the last fetch failed, until an answer comes: said when the run stops waiting
    // on it, so that a run ending at --timeout says why the job was not seen to end.
    var failing: String?
    func stopWaiting(_ failing: String?) async -> JobSnapshot? {
      if let failing {
        await warn(
          "\(plan.pending.joined(separator: ", ")): the last fetch of job \(jobId) failed (\(failing)); it is "
            + "kept as running: run `swapsync sync` again")
      }
      return nil
    }
    while true {
      if wait > .zero {
        guard !options.noWait, await control.canWait() else { return await stopWaiting(failing) }
        await sleep(wait)
      }
      guard await !control.stopped else { return await stopWaiting(failing) }
      let outcome = await client.fetch(jobId: jobId)
      switch outcome {
      case .job(let snapshot):
        failing = nil
        await control.apiSucceeded()
        switch snapshot.state {
        case .succeeded where !snapshot.resultURLs.isEmpty:
          return snapshot
        case .failed(let message):
          logger.info("job \(jobId) for \(plan.pending[0]) failed: \(message)")
          try await transition(
            plan, .serviceFailed(message: message, quota: snapshot.quota, at: Self.timestamp()))
          return nil
        case .succeeded, .queued, .running, .unrecognized:
          // The deadline is judged on the service's answer: a job that finished while nobody
          // ran swapsync (cron down for days) is collected, not failed; a SUCCESS without its
          // URL yet is one odd answer, never an end (docs/states.md).
          if snapshot.state != .succeeded,
            let base = await store.entry(plan.pending[0]) ?? plan.current, base.state == .running,
            let deadline = deadline(of: base), Date() > deadline
          {
            let message = "no result after \(UnitParsing.format(duration: options.jobDeadline))"
            try await transition(plan, .deadlinePassed(message: message, at: Self.timestamp()))
            return nil
          }
          if snapshot.state == .succeeded {
            logger.info("job \(jobId) succeeded but has no result URL yet; polling again")
          }
          guard !options.noWait, await control.canWait() else { return nil }
          wait = schedule.delay(waited: ContinuousClock.now - started)
        }
      case .notFound(let message):
        try await transition(
          plan, .jobUnknown(message: "TTAPI no longer knows job \(jobId): \(message)", at: Self.timestamp()))
        return nil
      case .rejected(let status, let message):
        // 400 to a lookup of a job id the service gave us: it does not know the job.
        try await transition(
          plan,
          .jobUnknown(
            message: "TTAPI refused to look up job \(jobId) (HTTP \(status)): \(message)",
            at: Self.timestamp()))
        return nil
      case .denied(let status, let message):
        await control.halt(Self.denial(status: status, message: message))
        return nil
      case .unreachable(let reason):
        await control.halt(SwapSyncFailure(.unavailable, "cannot reach TTAPI: \(reason)"))
        return nil
      case .stopped:
        return await stopWaiting(failing)
      case .retryable(let retry):
        await control.apiFailed(retry)
        failures += 1
        failing = retry.reason
        logger.info("fetch of job \(jobId) failed (\(retry.reason)); retrying")
        // --no-wait does not wait to try again: the job stays running, and the run says why.
        if options.noWait {
          await warn(
            "\(plan.pending.joined(separator: ", ")): could not fetch job \(jobId) (\(retry.reason)); it is kept "
              + "as running: run `swapsync sync` again")
          return nil
        }
        wait = Backoff.delay(attempt: failures, retryAfter: retry.after)
      }
    }
  }
}

/// When to poll an unfinished job again: after `max(first, waited / 10)`, at most 60 s, where
/// `waited` is how long the run has waited for the job so far (README, "--poll-interval").
///
/// A fixed factor per poll (1.5×) lets the lag between the job's end and the poll that sees it
/// grow to a third of the job's duration; growing with the waited time instead bounds that lag
/// to about 10 % (plus one `first`), while a job of hours is still polled only once a minute.
struct PollSchedule: Sendable {
  /// `--poll-interval`: the first delay, and the smallest.
  let first: Duration
  static let longest: Duration = .seconds(60)

  func delay(waited: Duration) -> Duration {
    min(max(first, waited / 10), max(first, Self.longest))
  }
}
