/// Buying a job: the intent is journaled before the request leaves, the job id as soon as it
/// arrives, and only answers that certainly created nothing are retried (docs/states.md).
extension JobRunner {
  /// What one submit attempt leaves the caller to do.
  private enum SubmitStep {
    case finished
    case retry(Retry)
    /// `answeredAt`: when the submit's answer arrived; the first poll is due a poll interval later.
    case created(jobId: String, answeredAt: ContinuousClock.Instant)
  }

  /// Submits, then (unless `--no-wait`) follows the job and downloads its result.
  func submitAndCollect(_ plan: JobPlan) async throws {
    var attempt = 0
    while true {
      await jobSlots.acquire()
      let step: SubmitStep
      do {
        step = try await submitOnce(plan)
      } catch {
        await jobSlots.release()
        throw error
      }
      switch step {
      case .finished:
        return await jobSlots.release()
      case .retry(let retry):
        await jobSlots.release()
        if retry.overloaded { await jobSlots.pushBack() }
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
      case .created(let jobId, let answeredAt):
        await jobSlots.succeeded()
        // Counted from the answer: the time spent journaling the job id is part of the wait.
        let firstWait = options.pollInterval - (ContinuousClock.now - answeredAt)
        let finished: JobSnapshot?
        do {
          finished = options.noWait ? nil : try await follow(plan, jobId: jobId, firstWait: firstWait)
        } catch {
          await jobSlots.release()
          throw error
        }
        // The job ended at TTAPI: its slot goes to the next job while the result downloads.
        await jobSlots.release()
        if let finished { try await download(plan, snapshot: finished) }
        return
      }
    }
  }

  private func submitOnce(_ plan: JobPlan) async throws -> SubmitStep {
    guard await !control.stopped else { return .finished }
    var previous: [String: LockEntry?] = [:]
    for output in plan.pending { previous[output] = .some(await store.entry(output)) }
    // The intent is durable before the request can leave, and the journal has room for the
    // records the purchase adds (its job id first).
    let event = LifecycleEvent.submitIntended(at: Self.timestamp())
    try await store.record(
      try await proposed(plan, event), cause: Lifecycle.kind(of: event).rawValue, reservingFollowers: true)
    let outcome = await client.submit(plan.pair, hookUrl: plan.hookUrl)
    let answeredAt = ContinuousClock.now
    switch outcome {
    case .created(let jobId):
      let updates = try await proposed(plan, .jobCreated(jobId: jobId))
      do {
        // The flusher syncs the job id at once; nothing waits for it: polling acts on nothing
        // on disk, and the install of its result waits for a later record, which covers it.
        try await store.record(updates, cause: Lifecycle.EventKind.jobCreated.rawValue, waiting: false)
      } catch {
        await store.remember(updates, cause: Lifecycle.EventKind.jobCreated.rawValue)
        await tally.update { $0.submitted += 1 }
        // Said at once, for every such job: if the lockfile cannot be written either, this line
        // (and the event stream) is where the job id survives.
        await warn(
          "\(plan.pending.joined(separator: ", ")): bought job \(jobId) but could not journal it (\(error)); "
            + "kept for the lockfile. If the lockfile cannot be written either, record the job by hand "
            + "(docs/lockfile.md, \"Recording a job id by hand\") instead of buying it again")
        await control.halt(
          SwapSyncFailure(
            .cannotWrite,
            "bought job \(jobId) for \(plan.pending.joined(separator: ", ")) but could not journal it "
              + "(\(error)); it is kept in the lockfile if that can still be written"))
        return .finished
      }
      await tally.update { $0.submitted += 1 }
      await warnGivenUp(plan, previous: previous)
      await control.apiSucceeded()
      logger.info("submitted \(plan.pending.joined(separator: ", ")) as job \(jobId)")
      return .created(jobId: jobId, answeredAt: answeredAt)
    case .retryable(let retry):
      try await withdraw(plan, restoring: previous)
      await control.apiFailed(retry)
      return .retry(retry)
    case .rejected(let status, let message):
      try await transition(plan, .submitRejected(message: "HTTP \(status): \(message)", at: Self.timestamp()))
    case .denied(let status, let message):
      try await withdraw(plan, restoring: previous)
      await control.halt(Self.denial(status: status, message: message))
    case .unreachable(let reason):
      try await withdraw(plan, restoring: previous)
      await control.halt(SwapSyncFailure(.unavailable, "cannot reach TTAPI: \(reason)"))
    case .redirected(let status, let location):
      try await withdraw(plan, restoring: previous)
      await control.halt(
        SwapSyncFailure(
          .unavailable,
          "TTAPI answered the submit with a redirect (HTTP \(status)) to \(location); no job was created "
            + "and none was retried there; check --api-base / TTAPI_BASE_URL"))
    case .notSent(let reason):
      try await withdraw(plan, restoring: previous)
      logger.info("submit of \(plan.pending[0]) not sent: \(reason)")
    case .uncertain(let reason):
      await warnGivenUp(plan, previous: previous)
      try await transition(
        plan,
        .submitAnswerLost(
          reason: "the answer to the submit was lost (\(reason)); the job may exist and be billed"))
    }
    return .finished
  }

  /// Names the jobs bought for the manifest's old inputs that this submit left uncollected
  /// (`Lifecycle.jobGivenUp`): their records are replaced, their results never downloaded.
  private func warnGivenUp(_ plan: JobPlan, previous: [String: LockEntry?]) async {
    var outputs: [String: [String]] = [:]
    for output in plan.pending {
      if let jobId = givenUp?.replacing(previous[output] ?? nil, for: plan.pair) {
        outputs[jobId, default: []].append(output)
      }
    }
    for (jobId, names) in outputs.sorted(by: { $0.key < $1.key }) {
      await warn(
        "\(names.joined(separator: ", ")): job \(jobId), bought for the manifest's old inputs, was still running; "
          + "its result is given up (never downloaded) and the new inputs were bought")
    }
  }

  /// Puts every pending output back to its record before the intent: no job was created.
  private func withdraw(_ plan: JobPlan, restoring previous: [String: LockEntry?]) async throws {
    var updates: [String: LockEntry?] = [:]
    for output in plan.pending {
      let current = await store.entry(output)
      let before = previous[output] ?? nil
      updates[output] = .some(
        try Lifecycle.apply(.submitWithdrawn(restoring: before), to: current, pair: plan.pair))
    }
    try await store.record(updates, cause: Lifecycle.EventKind.submitWithdrawn.rawValue)
  }
}
