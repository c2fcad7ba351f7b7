/// All mutable emulator state: settings, jobs, counters, fault dice. Serialised by the actor.
actor EmulatorState {
  private(set) var settings: EmulatorSettings
  private var random: SeededRandom
  private var jobs: [String: EmulatedJob] = [:]
  private var idCounter: UInt64 = 0
  private var stats = EmulatorStats()
  private var baseURL: String
  /// Results drawn, kept for the next download of the same pair: at most `resultCacheLimit`,
  /// the oldest dropped first (keys in `resultOrder` from `resultOrderStart` on). Unbounded, a
  /// 100,000-job run kept gigabytes; drawing a result again costs a few milliseconds.
  private var resultCache: [String: [UInt8]] = [:]
  private var resultOrder: [String] = []
  private var resultOrderStart = 0
  static let resultCacheLimit = 1_024
  private var bombCache: [Int: [UInt8]] = [:]
  let signer: CDNSigner

  /// Outcome of a submit once faults that stop it have been ruled out.
  enum SubmitOutcome: Sendable {
    case created(EmulatedJob)
    case queueFull
  }

  init(settings: EmulatorSettings) {
    self.settings = settings
    random = SeededRandom(seed: settings.seed)
    signer = CDNSigner(seed: settings.seed, apiKey: settings.apiKey)
    baseURL = "http://127.0.0.1:\(settings.port)"
  }

  func setBaseURL(_ url: String) {
    baseURL = url
  }

  var answers: AnswerBuilder {
    AnswerBuilder(
      resultBaseURL: settings.cdnBase ?? baseURL, signer: signer, drift: settings.drift,
      cdnTTL: settings.cdnTTL)
  }

  var base: String { baseURL }

  func count(_ counter: EmulatorStats.Counter) {
    stats.requests[counter, default: 0] += 1
  }

  /// Chooses the fault for this request, if any, and records it.
  func pickFault(for endpoint: FaultEndpoint, resultReady: Bool = false) -> FaultRule? {
    for index in settings.faults.indices {
      let rule = settings.faults[index]
      guard rule.endpoint == endpoint else { continue }
      if rule.kind.needsFinishedJob && !resultReady { continue }
      if rule.skip > 0 {
        settings.faults[index].skip -= 1
        continue
      }
      if let remaining = rule.remaining {
        guard remaining > 0 else { continue }
        settings.faults[index].remaining = remaining - 1
      } else {
        guard rule.rate > 0 else { continue }
        if rule.rate < 1 && random.nextUnit() >= rule.rate { continue }
      }
      stats.faultsInjected[rule.statsKey, default: 0] += 1
      return rule
    }
    return nil
  }

  func runningCount(at now: ContinuousClock.Instant = .now) -> Int {
    jobs.values.reduce(0) { $0 + ($1.status(at: now).isFinished ? 0 : 1) }
  }

  /// Creates (and "bills") a job unless `maxRunning` unfinished jobs already exist.
  func createJob(targetImage: String, swapImage: String, hookUrl: String?) -> SubmitOutcome {
    let now = ContinuousClock.now
    if let limit = settings.maxRunning, runningCount(at: now) >= limit {
      return .queueFull
    }
    let job = EmulatedJob(
      id: nextJobId(),
      targetImage: targetImage,
      swapImage: swapImage,
      hookUrl: hookUrl,
      submittedAt: now,
      duration: settings.jobDuration,
      failureMessage: settings.failureMessage(targetImage: targetImage, swapImage: swapImage)
    )
    jobs[job.id] = job
    stats.jobsCreated += 1
    stats.pairs["\(targetImage)\n\(swapImage)", default: 0] += 1
    return .created(job)
  }

  /// `SWAP-FACE-` plus 18 digits derived from the seed and a never-reset counter.
  private func nextJobId() -> String {
    while true {
      idCounter += 1
      let hashed = SeededRandom.mix(settings.seed ^ SeededRandom.mix(idCounter))
      let digits = 100_000_000_000_000_000 + hashed % 900_000_000_000_000_000
      let id = "SWAP-FACE-\(digits)"
      if jobs[id] == nil { return id }
    }
  }

  func job(_ id: String) -> EmulatedJob? {
    jobs[id]
  }

  /// The cached PNG result of a pair at a padded size (nil: natural), if it was drawn before.
  func cachedResult(targetImage: String, swapImage: String, size: Int?) -> [UInt8]? {
    resultCache[Self.resultKey(targetImage, swapImage, size)]
  }

  /// Keeps a pair's PNG result (drawn outside the actor, so drawing never holds up requests).
  func storeResult(_ png: [UInt8], targetImage: String, swapImage: String, size: Int?) {
    let key = Self.resultKey(targetImage, swapImage, size)
    if resultCache.updateValue(png, forKey: key) == nil { resultOrder.append(key) }
    while resultCache.count > Self.resultCacheLimit {
      resultCache[resultOrder[resultOrderStart]] = nil
      resultOrderStart += 1
    }
    if resultOrderStart >= Self.resultCacheLimit {
      resultOrder.removeFirst(resultOrderStart)
      resultOrderStart = 0
    }
  }

  private static func resultKey(_ targetImage: String, _ swapImage: String, _ size: Int?) -> String {
    "\(size.map(String.init) ?? "natural")\n\(targetImage)\n\(swapImage)"
  }

  /// The cached `gzipBomb` body that decodes to `size` zeros, if it was compressed before.
  func cachedBomb(size: Int) -> [UInt8]? {
    bombCache[size]
  }

  func storeBomb(_ body: [UInt8], size: Int) {
    bombCache[size] = body
  }

  /// Counts `trickle` bodies being written (`tricklesActive` in the stats).
  func trickle(started: Bool) {
    stats.tricklesActive += started ? 1 : -1
  }

  /// Marks a finished job's hook as handled; returns where to POST what, or nil (skipped/none/early).
  func claimHook(jobId: String) -> (HookTarget, String)? {
    guard var job = jobs[jobId], !job.hookClaimed, let hookUrl = job.hookUrl else { return nil }
    let status = job.status(at: .now)
    guard status.isFinished else { return nil }
    job.hookClaimed = true
    jobs[jobId] = job
    guard let target = HookTarget(url: hookUrl) else {
      stats.hooksSkipped += 1
      return nil
    }
    return (target, answers.fetchAnswer(job: job, status: status).serialized)
  }

  func recordHook(delivered: Bool) {
    if delivered {
      stats.hooksDelivered += 1
    } else {
      stats.hooksFailed += 1
    }
  }

  func statsJSON() -> EmulatorJSON {
    stats.json(running: runningCount(), jobsKnown: jobs.count)
  }

  func configJSON() -> EmulatorJSON {
    settings.json
  }

  /// Applies a control-API config body; a new `seed` restarts the fault dice.
  func apply(config: EmulatorJSON) throws(EmulatorError) {
    try settings.apply(config: config)
    if config["seed"] != nil {
      random = SeededRandom(seed: settings.seed)
    }
  }

  /// Ends every unfinished job now (with its SUCCESS or FAILED outcome), for tests that need
  /// jobs to run until they say so.
  func finishAll() {
    let now = ContinuousClock.now
    for (id, job) in jobs where !job.status(at: now).isFinished {
      jobs[id]?.duration = now - job.submittedAt
    }
  }

  /// Zeroes the counters and removes every fault; jobs and other knobs stay.
  func reset() {
    let trickling = stats.tricklesActive
    stats = EmulatorStats()
    stats.tricklesActive = trickling
    settings.faults = []
  }
}
