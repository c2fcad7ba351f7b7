import Foundation
import Logging

/// Carries one job from its plan to verified outputs: submit, poll, download, install,
/// record. Every state change goes through `Lifecycle.apply` and is journaled before the run
/// acts on it (docs/states.md).
///
/// A job holds a `--jobs` slot only while it is in flight at TTAPI (submit and polls); its
/// download runs under `--downloads` alone.
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
  /// The content cache of this run, if one is configured (JobRunner+Cache.swift).
  var cache: CacheRun? = nil
  /// The run's memory of output digests, told of every output this run installs.
  var statCache: StatCache? = nil
  /// Which replaced records give up a paid job (warned about when a submit replaces one).
  var givenUp: GivenUpJobs? = nil
  /// The folder's results ledger: a file an install finds that is swapsync's result for other
  /// inputs is archived, not left (`Planner.replacement`).
  var results: OutputFiles.LazyLedger? = nil

  func run(_ plan: JobPlan) async {
    do {
      switch plan.action {
      case .blocked where plan.isLostWithKnownBytes:
        // An adopted file gone, or a result whose job was forgotten: only a cache holding its
        // bytes can bring it back without buying it.
        _ = try await restoreFromCache(plan)
      case .none, .blocked:
        return
      case .submit:
        // `--resubmit lost` buys only what the cache cannot put back.
        if plan.isLostWithKnownBytes, try await restoreFromCache(plan) { return }
        try await submitAndCollect(plan)
      case .poll(let jobId):
        if let known = knownResult(of: plan, jobId: jobId), try await restoreFromCache(plan, known: known) {
          return
        }
        guard let finished = try await withJobSlot({ try await follow(plan, jobId: jobId, firstWait: .zero) })
        else { return }
        try await download(plan, snapshot: finished)
      case .restore(let jobId, let copyFrom):
        if let kept = plan.kept {
          if try await restoreFromKept(plan) { return }
          if let size = plan.keptSize(over: options.maxImageSize) {
            return await warn(
              "\(plan.pending.joined(separator: ", ")): the result of job \(jobId) found at \(kept.path) is larger "
                + "than --max-image-size (\(size) bytes, the limit \(options.maxImageSize)); nothing was done. Raise "
                + "--max-image-size to put it back")
          }
          // It was checked when planned: changed since. The next run plans the pair again.
          await warn(
            "\(plan.pending.joined(separator: ", ")): the result of job \(jobId) found at \(kept.path) changed "
              + "before it could be put back; nothing was done. Run `swapsync plan` to see what a new run would buy"
          )
        } else if let copyFrom, let current = plan.current {
          try await copy(plan, from: copyFrom, entry: current)
        } else if try await restoreFromCache(plan) {
          return
        } else if let finished = try await follow(plan, jobId: jobId, firstWait: .zero) {
          try await download(plan, snapshot: finished)
        }
      }
    } catch let error as FileSystemError {
      switch error {
      case .symlinkRefused, .notADirectory, .notARegularFile, .outsideRoot:
        // Only this output's path is unusable; its job id stays recorded for the next run.
        await control.report(
          SwapSyncFailure(
            .cannotWrite, "\(plan.pending.joined(separator: ", ")): \(error); fix the path and run again"))
      case .changed:
        // Someone saved the output while it was being repaired: it stays, for the next run.
        await control.report(SwapSyncFailure(.cannotWrite, error.description))
      default:
        await control.halt(SwapSyncFailure(.cannotWrite, error.description))
      }
    } catch let error as LifecycleError {
      await control.halt(SwapSyncFailure(.cannotWrite, "\(plan.pending[0]): \(error)"))
    } catch {
      await control.halt(SwapSyncFailure(.cannotWrite, "\(error)"))
    }
  }

  /// Runs `body` holding a `--jobs` slot, released on every path.
  func withJobSlot<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    await jobSlots.acquire()
    do {
      let value = try await body()
      await jobSlots.release()
      return value
    } catch {
      await jobSlots.release()
      throw error
    }
  }

  // MARK: Recording

  /// Applies `event` to every pending output's record and journals the result, returning once
  /// it is durable: nothing is acted on before. With `waiting: false` it returns at once (the
  /// journal's flusher syncs the record anyway), for an event nothing is about to act on.
  @discardableResult
  func transition(_ plan: JobPlan, _ event: LifecycleEvent, waiting: Bool = true) async throws -> LockEntry? {
    let updates = try await proposed(plan, event)
    try await store.record(updates, cause: Lifecycle.kind(of: event).rawValue, waiting: waiting)
    return updates[plan.pending[0]] ?? nil
  }

  /// The records `event` would give the pending outputs, without recording them. Every pending
  /// output shares the job of the plan, so the event is applied once, to the plan's own record
  /// (an output added to the manifest later has none yet; a renamed one has its orphan's,
  /// `plan.current`), and the result goes to all of them.
  func proposed(_ plan: JobPlan, _ event: LifecycleEvent) async throws(LifecycleError) -> [String: LockEntry?]
  {
    var records: [LockEntry] = []
    for output in plan.pending {
      if let record = await store.entry(output), record.pair == plan.pair { records.append(record) }
    }
    // The record of the plan's job: the one furthest along (a job over no job, a result over none;
    // of results, the one the plan was made for: records of one job may disagree, `Planner.reference`).
    let first = await store.entry(plan.pending[0])
    let planned = plan.current?.sha256
    let result: LockEntry? =
      records.first { $0.state == .done && $0.jobId != nil && $0.sha256 == planned }
      ?? records.first { $0.state == .done && $0.jobId != nil }
    let base =
      records.first { $0.state == .submitting } ?? records.first { $0.state == .running && $0.sha256 != nil }
      ?? records.first { $0.state == .running } ?? result ?? records.first ?? plan.current ?? first
    let next = try Lifecycle.apply(event, to: base, pair: plan.pair)
    return Dictionary(uniqueKeysWithValues: plan.pending.map { ($0, next) })
  }

  func warn(_ message: String) async {
    logger.info("\(message)")
    options.observer?.warn("warning: \(message)")
    await tally.update { $0.warnings.append(message) }
  }

  func deadline(of entry: LockEntry) -> Date? {
    guard let submittedAt = entry.submittedAt, let date = try? Date(submittedAt, strategy: .iso8601) else {
      return nil
    }
    // `submittedAt` is truncated to whole seconds: count from the end of that second.
    return date.addingTimeInterval(1 + options.jobDeadline.seconds)
  }

  /// Sleeps `duration`, but wakes early when the run stops or its time is up.
  func sleep(_ duration: Duration) async {
    await control.sleep(duration)
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
