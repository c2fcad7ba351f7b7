import Foundation
import Logging

/// Carries one job from its plan to verified outputs: submit, poll, download, install,
/// record. Every state change is journaled before the run acts on it.
struct JobRunner: Sendable {
  let client: TTAPIClient
  let engine: HTTPEngine
  let store: StateStore
  let folder: OutputFolder
  let control: RunControl
  let jobSlots: ConcurrencyLimit
  let downloadSlots: ConcurrencyLimit
  let tally: TallyKeeper
  let options: SyncOptions
  let logger: Logger

  func run(_ plan: JobPlan) async {
    do {
      switch plan.action {
      case .none, .blocked:
        return
      case .submit:
        try await submit(plan)
      case .poll(let jobId):
        guard let current = plan.current else { return }
        await jobSlots.acquire()
        do {
          try await follow(plan, jobId: jobId, base: current, firstWait: .zero)
        } catch {
          await jobSlots.release()
          throw error
        }
        await jobSlots.release()
      case .restore(let jobId, let copyFrom):
        guard let current = plan.current else { return }
        if let copyFrom {
          try await copy(plan, from: copyFrom, entry: current)
        } else {
          try await follow(plan, jobId: jobId, base: current, firstWait: .zero)
        }
      }
    } catch let error as FileSystemError {
      switch error {
      case .symlinkRefused, .notADirectory, .notARegularFile, .outsideRoot:
        // Only this output's path is unusable; its job id stays recorded for the next run.
        await control.report(
          SwapSyncFailure(
            .cannotWrite, "\(plan.pending.joined(separator: ", ")): \(error); fix the path and run again"))
      default:
        await control.halt(SwapSyncFailure(.cannotWrite, error.description))
      }
    } catch {
      await control.halt(SwapSyncFailure(.cannotWrite, "\(error)"))
    }
  }

  // MARK: Submit

  private func submit(_ plan: JobPlan) async throws {
    var attempt = 0
    while true {
      await jobSlots.acquire()
      guard await !control.stopped else { return await jobSlots.release() }
      guard await control.takeSubmit() else {
        await tally.update { $0.notSubmitted += 1 }
        return await jobSlots.release()
      }
      let previous = await entries(plan.pending)
      let submittedAt = Self.timestamp()
      let intent = LockEntry(
        targetImage: plan.pair.targetImage, swapImage: plan.pair.swapImage, state: .submitting,
        submittedAt: submittedAt)
      do {
        // The intent is durable before the request can leave.
        try await store.record(updates(plan.pending, intent))
      } catch {
        await control.returnSubmit()
        await jobSlots.release()
        throw error
      }
      let outcome = await client.submit(plan.pair, hookUrl: plan.hookUrl)
      switch outcome {
      case .created(let jobId):
        var running = intent
        running.state = .running
        running.jobId = jobId
        do {
          try await store.record(updates(plan.pending, running))
        } catch {
          await store.remember(updates(plan.pending, running))
          await control.halt(
            SwapSyncFailure(
              .cannotWrite,
              "bought job \(jobId) for \(plan.pending.joined(separator: ", ")) but could not journal it "
                + "(\(error)); it is kept in the lockfile if that can still be written"))
          return await jobSlots.release()
        }
        await tally.update { $0.submitted += 1 }
        await control.apiSucceeded()
        await jobSlots.succeeded()
        logger.info("submitted \(plan.pending.joined(separator: ", ")) as job \(jobId)")
        if !options.noWait {
          do {
            try await follow(plan, jobId: jobId, base: running, firstWait: options.pollInterval)
          } catch {
            await jobSlots.release()
            throw error
          }
        }
        return await jobSlots.release()
      case .retryable(let retry):
        try await store.record(previous)  // certainly not created: back to what it was
        await control.returnSubmit()
        await jobSlots.release()
        if retry.overloaded { await jobSlots.pushBack() }
        await control.apiFailed(retry)
        attempt += 1
        guard attempt < 8, await control.canWait() else {
          await tally.update {
            $0.notSubmitted += 1
            $0.warnings.append("\(plan.pending[0]): not submitted: \(retry.reason)")
          }
          if retry.unavailable {
            await control.halt(
              SwapSyncFailure(.unavailable, "the TTAPI service is unavailable: \(retry.reason)"))
          }
          return
        }
        logger.info("submit of \(plan.pending[0]) not accepted (\(retry.reason)); retrying")
        await sleep(Backoff.delay(attempt: attempt, retryAfter: retry.after))
      case .rejected(let status, let message):
        var failed = intent
        failed.state = .failed
        failed.message = "TTAPI rejected the submit (HTTP \(status)): \(message)"
        failed.finishedAt = Self.timestamp()
        try await store.record(updates(plan.pending, failed))
        return await jobSlots.release()
      case .denied(let status, let message):
        try await store.record(previous)
        await control.returnSubmit()
        await control.halt(Self.denial(status: status, message: message))
        return await jobSlots.release()
      case .unreachable(let reason):
        try await store.record(previous)
        await control.returnSubmit()
        await control.halt(SwapSyncFailure(.unavailable, "cannot reach TTAPI: \(reason)"))
        return await jobSlots.release()
      case .uncertain(let reason):
        var uncertain = intent
        uncertain.state = .uncertain
        uncertain.message = "the answer to the submit was lost (\(reason)); the job may exist and be billed"
        try await store.record(updates(plan.pending, uncertain))
        return await jobSlots.release()
      }
    }
  }

  // MARK: Poll

  /// Polls the job with backoff until it ends, then downloads. Leaves it `running` when the
  /// run stops waiting.
  private func follow(_ plan: JobPlan, jobId: String, base: LockEntry, firstWait: Duration) async throws {
    var wait = firstWait
    var interval = options.pollInterval
    var failures = 0
    while true {
      if wait > .zero {
        guard !options.noWait, await control.canWait() else { return }
        await sleep(wait)
      }
      guard await !control.stopped else { return }
      if base.state == .running, let deadline = deadline(of: base), Date() > deadline {
        var failed = base
        failed.state = .failed
        failed.message = "no result after \(UnitParsing.format(duration: options.jobDeadline))"
        failed.finishedAt = Self.timestamp()
        return try await store.record(updates(plan.pending, failed))
      }
      let outcome = await client.fetch(jobId: jobId)
      await tally.update { $0.fetches += 1 }
      switch outcome {
      case .job(let snapshot):
        await control.apiSucceeded()
        switch snapshot.state {
        case .succeeded:
          return try await download(plan, snapshot: snapshot, base: base)
        case .failed(let message):
          var failed = base
          failed.state = .failed
          failed.message = message
          failed.quota = snapshot.quota ?? base.quota
          failed.finishedAt = Self.timestamp()
          logger.info("job \(jobId) for \(plan.pending[0]) failed: \(message)")
          return try await store.record(updates(plan.pending, failed))
        case .queued, .running, .unrecognized:
          guard !options.noWait, await control.canWait() else { return }
          wait = interval
          interval = min(interval * 1.5, .seconds(60))
        }
      case .notFound(let message):
        return try await markLost(plan, base: base, "TTAPI no longer knows job \(jobId): \(message)")
      case .rejected(let status, let message):
        return try await markLost(
          plan, base: base, "TTAPI refused to look up job \(jobId) (HTTP \(status)): \(message)")
      case .denied(let status, let message):
        return await control.halt(Self.denial(status: status, message: message))
      case .unreachable(let reason):
        return await control.halt(SwapSyncFailure(.unavailable, "cannot reach TTAPI: \(reason)"))
      case .retryable(let retry):
        await control.apiFailed(retry)
        failures += 1
        logger.info("fetch of job \(jobId) failed (\(retry.reason)); retrying")
        if options.noWait && failures >= 4 { return }
        wait = Backoff.delay(attempt: failures, retryAfter: retry.after)
      }
    }
  }

  // MARK: Helpers

  func markFailed(_ plan: JobPlan, base: LockEntry, snapshot: JobSnapshot, _ message: String)
    async throws
  {
    var failed = base
    failed.state = .failed
    failed.jobId = snapshot.jobId
    failed.message = message
    failed.finishedAt = Self.timestamp()
    logger.warning("\(plan.pending[0]): \(message)")
    try await store.record(updates(plan.pending, failed))
  }

  func markLost(_ plan: JobPlan, base: LockEntry, _ message: String) async throws {
    var lost = base
    lost.state = .lost
    lost.message = message
    lost.finishedAt = Self.timestamp()
    try await store.record(updates(plan.pending, lost))
  }

  func warn(_ message: String) async {
    logger.info("\(message)")
    await tally.update { $0.warnings.append(message) }
  }

  func entries(_ outputs: [String]) async -> [String: LockEntry?] {
    var result: [String: LockEntry?] = [:]
    for output in outputs { result[output] = .some(await store.entry(output)) }
    return result
  }

  func updates(_ outputs: [String], _ entry: LockEntry) -> [String: LockEntry?] {
    Dictionary(uniqueKeysWithValues: outputs.map { ($0, .some(entry)) })
  }

  func deadline(of entry: LockEntry) -> Date? {
    guard let submittedAt = entry.submittedAt, let date = try? Date(submittedAt, strategy: .iso8601) else {
      return nil
    }
    // `submittedAt` is truncated to whole seconds: count from the end of that second.
    return date.addingTimeInterval(1 + options.jobDeadline.seconds)
  }

  /// Sleeps `duration`, but never past the run's wait deadline.
  func sleep(_ duration: Duration) async {
    let remaining = control.waitDeadline - .now
    try? await Task.sleep(for: max(.zero, min(duration, remaining)))
  }

  static func timestamp() -> String {
    Date().formatted(.iso8601)
  }

  static func denial(status: Int, message: String) -> SwapSyncFailure {
    let what =
      switch status {
      case 402: "the TTAPI balance is exhausted (HTTP 402: \(message)); top up the account and run again"
      case 403: "the TTAPI account is blocked (HTTP 403: \(message))"
      default: "TTAPI rejected the API key (HTTP \(status): \(message)); check TT_API_KEY or --api-key-file"
      }
    return SwapSyncFailure(.denied, what)
  }
}

extension Duration {
  /// The duration in seconds, as a floating-point number.
  var seconds: Double {
    let (whole, fraction) = components
    return Double(whole) + Double(fraction) / 1e18
  }
}
