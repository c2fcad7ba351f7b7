import Foundation
import Logging

/// Runs `sync`: takes the run lock, replays the journal, adopts untracked files when asked,
/// plans, runs every job concurrently within the limits, checkpoints the lockfile and reports.
///
/// A run ends early on an interrupt (see `SignalTrap`) or when `--timeout` runs out: polls and
/// downloads are cancelled at once (their entries stay `running`), submits already on the wire
/// get `SyncOptions.stopGrace` to answer so their job ids are recorded, and the lockfile is
/// written before the report (docs/states.md, "Interrupts").
public struct SyncEngine: Sendable {
  public var workspace: Workspace
  public var options: SyncOptions
  public var http: HTTPEngine.Configuration
  public var logger: Logger

  public init(workspace: Workspace, options: SyncOptions, http: HTTPEngine.Configuration, logger: Logger) {
    self.workspace = workspace
    self.options = options
    self.http = http
    self.logger = logger
  }

  /// Converges the output folder. `apiKey` is asked for only when there is network work.
  /// `trap`, when given, delivers the first SIGINT/SIGTERM/SIGHUP to this run.
  public func run(trap: SignalTrap? = nil, apiKey: () throws(SwapSyncFailure) -> String)
    async throws(SwapSyncFailure)
    -> SyncReport
  {
    // A broken lockfile or journal is exit 65 before anything is created (read again under the lock).
    let early = try workspace.loadState(reusing: nil)
    try workspace.refuseForeignJournal(early)
    if options.maxSubmits != 0 { try Self.refusePlaceholders(workspace.manifest, lock: early.lock) }
    let (folder, runLock) = try workspace.lockOutputFolder()
    defer { runLock.release() }
    let savedLeftovers: [String]
    do {
      // Leftovers of a killed run: never visible at an output path, now removed (what may be a
      // user's save is kept and named below).
      savedLeftovers = try folder.cleanTemporaries { sha256 in
        early.lock.entries.values.contains { $0.sha256 == sha256 }
      }.saved
      _ = try AtomicFile.removeStaleTemporaries(for: workspace.lockPath)
    } catch {
      throw SwapSyncFailure(.cannotWrite, "\(error)")
    }

    let store = try await openStore(reusing: consume early)
    let cache = StatCache.load(stateDir: folder.stateDir)
    let files = OutputFiles.cached(folder: folder, cache: cache)
    let planner = Planner(resubmit: options.resubmit)
    let tally = TallyKeeper()
    for path in savedLeftovers {
      await tally.update {
        $0.warnings.append(
          "\(path): a run killed while it replaced an output left this file, which is no result swapsync "
            + "recorded: it may be a save made at that output at that moment. Look at it, then move or delete it"
        )
      }
    }
    var plans = planner.plan(manifest: workspace.manifest, lock: await store.lock, files: files)
    // `start` comes before the run's first recorded change (docs/events.md), with the counts
    // those changes start from.
    var announced = false
    func announceStart() async {
      guard !announced, let observer = options.observer else { return }
      announced = true
      let now = planner.report(
        manifest: workspace.manifest, lock: await store.lock, files: files, runInProgress: false)
      let states = Dictionary(grouping: now.filter { $0.status != .orphan }, by: \.status).mapValues(\.count)
      observer.runStarted(
        total: workspace.manifest.entries.count, states: states,
        plannedSubmits: Self.submitBudget(plans, cap: options.maxSubmits, inFlight: options.inFlightCap))
    }
    if options.adopt && plans.contains(where: { !$0.untracked.isEmpty }) {
      await announceStart()
      let adopter = Adopter(
        folder: folder, store: store, tally: tally,
        givenUp: GivenUpJobs(manifest: workspace.manifest, lock: await store.lock))
      let failure = await adopter.adopt(plans)
      plans = planner.plan(manifest: workspace.manifest, lock: await store.lock, files: files)
      if let failure { throw failure }
    }
    // `--max-submits` (and `--jobs` with `--no-wait`) take the first submits in plan order, the
    // order `plan` lists them in (docs/exit-codes.md, "plan"): the rest are held back before any
    // task starts.
    let submitBudget = Self.submitBudget(plans, cap: options.maxSubmits, inFlight: options.inFlightCap)
    let held = plans.count(where: \.action.isSubmit) - submitBudget
    // An output whose new inputs another job holds (another output's, or an orphan's) takes that
    // job's result, and its own running job is given up: said before the run, from the records
    // as they were (an inherited record replaces the output's at once); a submit's, once its job
    // exists (JobRunner+Submit).
    let givenUp = GivenUpJobs(manifest: workspace.manifest, lock: await store.lock)
    let replaced = givenUp.byOutput(
      plans.lazy.filter { !$0.action.isSubmit }, lock: await store.lock, adopt: false)
    for (output, jobId) in replaced.sorted(by: { $0.key < $1.key }) {
      await tally.update {
        $0.warnings.append(
          "\(output): its new inputs have a job already (another output's, or a renamed one's), which it takes; "
            + "job \(jobId), bought for its old inputs and still running, is given up (its result is never "
            + "downloaded)")
      }
    }
    // Renamed outputs take their orphans' records first, also in a run with nothing else to do
    // (a decision waiting for `--resubmit` is all such a run has): Planner.inheritances.
    let inherited = Planner.inheritances(plans, lock: await store.lock)
    if !inherited.isEmpty {
      await announceStart()
      do {
        try await store.record(inherited, cause: "inherited")
      } catch {
        throw SwapSyncFailure(.cannotWrite, "\(error)")
      }
    }
    let control = RunControl(submitsDeferred: held, timeout: options.timeout)
    if held > 0 { await tally.update { $0.notSubmitted += held } }
    // Pairs whose records disagree with nothing to settle which is right: left, and said (exit 1).
    for plan in plans {
      guard let conflict = plan.conflict else { continue }
      options.observer?.warn("warning: \(plan.pending.joined(separator: ", ")): \(conflict)")
      await control.report(
        SwapSyncFailure(.attention, "\(plan.pending.joined(separator: ", ")): \(conflict)"))
    }
    // Recorded outputs something stands in the way of: the run goes on for the others and ends
    // with 73 (docs/safety.md); the summary's `untracked:` lines say what is where.
    let inTheWay = plans.reduce(0) { $0 + $1.inTheWay.count }
    if inTheWay > 0 {
      await control.report(
        SwapSyncFailure(
          .cannotWrite,
          "\(Wording.count(inTheWay, "recorded output")) could not be put back: something is in the way (see "
            + "above), and nothing was written through it"))
    }
    let needsNetwork =
      submitBudget > 0
      || plans.contains { plan in
        switch plan.action {
        case .poll: true
        case .restore(_, let copyFrom): copyFrom == nil
        case .submit, .none, .blocked: false
        }
      }
    let worked = plans.contains { $0.action != .none && !$0.action.isBlocked } || options.adopt
    let pushes = SyncCachePhase.pushesPending(
      options.cache, lock: await store.lock, manifest: workspace.manifest, stateDir: folder.stateDir)
    // An adopted output that went missing can come back only from the cache (JobRunner.run).
    let cacheRestores = options.cache != nil && plans.contains(where: \.isLostWithKnownBytes)
    if plans.contains(where: { $0.action != .none && !$0.action.isBlocked }) || pushes || cacheRestores {
      let key = needsNetwork ? try apiKey() : ""
      // A job bought now must reach the lockfile a user commits: refused before any submit.
      if submitBudget > 0 {
        do {
          try AtomicFile.checkReplaceable(workspace.lockPath)
        } catch {
          throw SwapSyncFailure(.cannotWrite, "\(error); nothing was bought")
        }
      }
      let engine = HTTPEngine(configuration: http, logger: logger)
      let cacheRun = options.cache.map {
        CacheRun(
          configuration: $0, engine: engine, stateDir: folder.stateDir, stallTimeout: options.stallTimeout)
      }
      let runner = JobRunner(
        client: TTAPIClient(engine: engine, baseURL: options.apiBase, apiKey: key), engine: engine,
        store: store, folder: folder, control: control, jobSlots: ConcurrencyLimit(options.jobs),
        downloadSlots: ConcurrencyLimit(options.downloads), tally: tally, options: options, logger: logger,
        cache: cacheRun, statCache: cache, givenUp: givenUp,
        results: OutputFiles.LazyLedger(stateDir: folder.stateDir))
      let stopper = RunStopper(control: control, engine: engine, grace: options.stopGrace, logger: logger)
      let announce = options.announce
      let grace = UnitParsing.format(duration: options.stopGrace)
      trap?.deliver { signal in
        announce(
          "\(SyncReport.signalName(signal)) received: stopping; submits already sent get up to \(grace) "
            + "to answer so their job ids are recorded (signal again to exit at once)")
        stopper.stop(.signal(signal))
      }
      let watchdog = Task {
        await control.sleep(options.timeout)
        if await !control.stopped { stopper.stop(.timeout) }
      }
      await announceStart()
      // Jobs already paid for go first, so they get the slots before new submits. Lazily: a
      // reordered copy of 100,000 plans would be 30 MB more at the peak.
      await Self.runAll(
        [
          AnySequence(plans.lazy.filter { !$0.action.isSubmit && $0.action != .none }),
          AnySequence(plans.lazy.filter(\.action.isSubmit).prefix(submitBudget)),
        ]
        .joined(), width: Self.tasksInFlight(options), runner: runner)
      // Not needed any more, and 30 MB at 100,000 entries: freed before the lockfile is written.
      plans = []
      await SyncCachePhase.finish(
        cacheRun, lock: await store.lock, manifest: workspace.manifest, folder: folder, control: control,
        parallel: options.downloads, tally: tally)
      watchdog.cancel()
      trap?.deliver { _ in }
      let fetches = runner.client.fetchesSent
      await tally.update { $0.fetches = fetches }
    }

    var failure = await control.failure
    if var unavailable = failure, unavailable.status == .unavailable {
      // Which address was tried, and where it came from, so that a wrong one is easy to see.
      unavailable.message += " (API base \(options.apiBase); --api-base or TTAPI_BASE_URL sets it)"
      failure = unavailable
    }
    do {
      try await store.checkpoint()
      cache.retain(only: Set(workspace.manifest.entries.map(\.output)))
      try cache.save()
    } catch {
      var earlier = failure
      // If the earlier failure is the one said, it must not hide that the lockfile is not up to date.
      earlier?.message +=
        "; the lockfile could not be written either (\(error)); the journal keeps what was recorded, "
        + "and the next run replays it"
      failure = SwapSyncFailure(.cannotWrite, "\(error)").worse(than: earlier)
    }
    let final = await store.lock
    let entries = planner.report(
      manifest: workspace.manifest, lock: final, files: files, runInProgress: false)
    var stopReason = await control.stopReason
    if stopReason == .failure { stopReason = nil }
    let tallied = await tally.tally
    // A run that only put adopted outputs back from the cache did work too.
    let didWork = worked || (cacheRestores && tallied.restoredFromCache > 0)
    var report = SyncReport(
      entries: entries, tally: tallied, failure: failure, submitsDeferred: control.submitsDeferred,
      didWork: didWork, stopReason: stopReason, workspace: workspace)
    report.pushesPending = SyncCachePhase.pushesPending(
      options.cache, lock: final, manifest: workspace.manifest, stateDir: folder.stateDir)
    return report
  }
}

extension SyncEngine {
  /// The run's state, read again under the run lock: the lockfile with the journal replayed, a
  /// submit caught between send and record marked uncertain (nobody else runs), checkpointed.
  /// The store is the only holder of the entries once this returns, so recording never copies
  /// them all (100,000 entries are about 50 MB) and the lockfile's bytes are not kept.
  private func openStore(reusing early: consuming Workspace.LoadedState) async throws(SwapSyncFailure)
    -> StateStore
  {
    var loaded = try workspace.loadState(reusing: early)
    try workspace.refuseForeignJournal(loaded)
    // Room for every output at once: growing a 100,000-entry dictionary near the end of a first
    // sync held the old table (25 MB) and the new one (50 MB) together, the run's peak.
    loaded.lock.entries.reserveCapacity(workspace.manifest.entries.count)
    let recovered = loaded.lock.entries.contains { $0.value.state == .submitting }
    for (output, entry) in loaded.lock.entries where entry.state == .submitting {
      let reason = "a run stopped after sending the submit; its answer was never recorded"
      loaded.lock.entries[output] =
        (try? Lifecycle.apply(.submitAnswerLost(reason: reason), to: entry, pair: entry.pair)) ?? entry
    }
    do {
      let store = StateStore(
        lock: loaded.lock, lockPath: workspace.lockPath, journal: try Journal(path: workspace.journalPath),
        onDisk: loaded.onDisk, dirty: recovered, observer: options.observer, ledgerDir: workspace.stateDir)
      try await store.checkpoint()
      return store
    } catch {
      throw SwapSyncFailure(.cannotWrite, "\(error)")
    }
  }

  /// Refuses (65) a manifest whose outputs would be bought from `swapsync init`'s placeholder
  /// URLs (`Scaffold.isPlaceholder`), which can never become images: before anything is created.
  static func refusePlaceholders(_ manifest: Manifest, lock: Lockfile) throws(SwapSyncFailure) {
    let unbought = Scaffold.unboughtPlaceholders(manifest, lock: lock)
    guard let first = unbought.first else { return }
    throw SwapSyncFailure(
      .invalidInput,
      "\(manifest.path): \(Wording.count(unbought.count, "output")) would be bought from the starter's "
        + "placeholder URLs (https://\(Scaffold.placeholderHost)/…), such as \(first); replace them with "
        + "your images. Nothing was bought")
  }

  /// How many of `plans`' submits a run may send, the first ones in plan order: all of them, at
  /// most `cap` (`--max-submits`), and with `inFlight` (`--jobs` of a `--no-wait` run, which
  /// leaves every job it submits running at TTAPI) at most that many minus the jobs it finds
  /// running (its polls); a job that ends during the run frees its place for the next run.
  public static func submitBudget(_ plans: [JobPlan], cap: Int?, inFlight: Int? = nil) -> Int {
    var submits = 0
    var running = 0
    for plan in plans {
      switch plan.action {
      case .submit: submits += 1
      case .poll: running += 1
      default: break
      }
    }
    let limit = inFlight.map { max(0, $0 - running) } ?? submits
    return min(submits, cap ?? submits, limit)
  }

  /// How many plans run as tasks at once: every `--jobs` and `--downloads` slot busy, and as
  /// many again waiting for one, so a slot never idles while work remains.
  static func tasksInFlight(_ options: SyncOptions) -> Int {
    2 * (options.jobs + options.downloads)
  }

  /// Runs every plan, at most `width` at a time: a task per plan only while it can use a slot
  /// soon, not a suspended task per entry for the whole run (memory that grew with the
  /// manifest; docs/performance.md). Plans start in order.
  static func runAll(_ plans: some Sequence<JobPlan>, width: Int, runner: JobRunner) async {
    await withTaskGroup(of: Void.self) { group in
      var next = plans.makeIterator()
      for _ in 0..<max(1, width) {
        guard let plan = next.next() else { break }
        group.addTask { await runner.run(plan) }
      }
      while await group.next() != nil {
        guard let plan = next.next() else { continue }
        group.addTask { await runner.run(plan) }
      }
    }
  }
}
