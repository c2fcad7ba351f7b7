/// Restoring from the content cache (docs/cache.md, restore order): for a job that is done in
/// the lockfile but whose file is missing and has no local copy, the cache comes before the job's
/// result URLs; for a lost one (its job forgotten) or an adopted file gone, it is the only way
/// back short of buying it again. The object is verified against the lockfile's sha256 and size before it is
/// installed; a damaged one is reported and skipped. No request reaches TTAPI on this path.
extension JobRunner {
  /// Installs the plan's outputs from the cache. Returns false, having changed nothing, when
  /// the cache has no good copy (or is not configured, or unusable): the caller falls back to
  /// the job.
  ///
  /// `known`: for a job followed again (`Planner.knownJob`), whose record has no checksum, the
  /// result of that job the folder's ledger knows (`knownResult(of:jobId:)`).
  func restoreFromCache(_ plan: JobPlan, known: (sha256: String, known: ResultLedger.Known)? = nil)
    async throws -> Bool
  {
    guard let cache, let backend = cache.backend, let entry = plan.current,
      entry.jobId != nil || entry.adopted == true,
      let sha256 = known?.sha256 ?? entry.sha256, let size = known?.known.size ?? entry.size
    else { return false }
    let jobId = entry.jobId
    // A lost record's times are those it was marked lost at; the ledger keeps the buying run's.
    let known = known ?? jobId.flatMap { entry.state == .lost ? knownResult(of: plan, jobId: $0) : nil }
    let object = CacheObject(
      sha256: sha256, size: size, imageType: entry.imageType.flatMap(ImageType.init(rawValue:)))
    guard object.isWellFormed, await cache.usable, await !control.stopped else { return false }
    // The checksum names the object; the recorded size may be wrong (an edit, a bad merge), so
    // the read is bounded by what a download may be, not by it (`recordCorrection`).
    var bounded = object
    bounded.size = max(size, options.maxImageSize)
    await downloadSlots.acquire()
    do {
      let restored = try await restore(
        plan, object: object, bounded: bounded, from: backend, cache: cache, entry: entry, jobId: jobId,
        known: known?.known)
      await downloadSlots.release()
      return restored
    } catch {
      await downloadSlots.release()
      throw error
    }
  }

  private func restore(
    _ plan: JobPlan, object: CacheObject, bounded: CacheObject, from backend: any ContentCache,
    cache: CacheRun,
    entry: LockEntry, jobId: String?, known: ResultLedger.Known?
  ) async throws -> Bool {
    let first = plan.pending[0]
    let temp = try folder.makeTempFile()
    let fetched: CacheFetch
    do throws(CacheError) {
      fetched = try await backend.fetch(bounded, into: temp.fd)
    } catch {
      folder.discard(temp)
      if let warning = await cache.disable(error) { await warn(warning) }
      return false
    }
    let damage: String
    switch fetched {
    case .absent:
      folder.discard(temp)
      return false
    case .damaged(let reason):
      damage = reason
    case .fetched(let sha, let size, let type?) where sha == object.sha256:
      if size != object.size || entry.imageType != type.rawValue {
        await warn(
          "\(plan.pending.joined(separator: ", ")): the lockfile recorded \(object.size) bytes of type "
            + "\(entry.imageType ?? "none") for the bytes of sha256 \(sha.prefix(12))…, which are \(size) bytes of "
            + "\(type.rawValue) (an edit or a bad merge); restored from \(cache.name) and recorded as they are"
        )
      }
      // Bytes other than the recorded result are kept first (Planner.replacement).
      let (before, pair) = (await records(plan.pending), plan.pair)
      let installed = try await installFile(temp, at: plan.pending) { [self] output, found in
        replacement(of: found, installing: sha, record: before[output] ?? nil, pair: pair)
      }
      await warnKeptAside(installed.kept, restoredBy: "the cached copy \(object.relativeKey)")
      // A file that appeared at an output meanwhile and is not swapsync's stays (`untracked`).
      var plan = plan
      plan.pending = installed.written
      guard !plan.pending.isEmpty else { return true }
      let verified = VerifiedResult(sha256: sha, size: size, imageType: type)
      rememberInstalled(plan.pending, verified)
      // An adopted output is put back as it was adopted: the same bytes, still without a job; a
      // lost one is done again with its job.
      let event: LifecycleEvent =
        if let jobId, entry.state != .done {
          (known ?? ResultLedger.Known(recordOf: entry, jobId: jobId)).recognizing(verified)
        } else if let jobId {
          .resultInstalled(verified, jobId: jobId, quota: entry.quota, at: Self.timestamp())
        } else {
          .adopted(verified)
        }
      try await transition(plan, event)
      await cache.markKnown(sha)
      await tally.update { $0.restoredFromCache += plan.pending.count }
      return true
    case .fetched(let sha, let size, _):
      damage =
        "it holds \(size) bytes with sha256 \(sha); the lockfile says \(object.size) bytes with sha256 \(object.sha256)"
    }
    folder.discard(temp)
    await cache.markDamaged(object.sha256)
    let fallback = jobId.map { "restoring from job \($0) instead" } ?? "the output stays missing"
    await warn(
      "\(first): the cached copy \(object.relativeKey) in \(cache.name) is damaged (\(damage)); "
        + "skipped it, \(fallback); the next push replaces it")
    return false
  }

  /// The result of job `jobId` that this folder installed before for the plan's pair, with its
  /// SHA-256, from the results ledger (`.swapsync/results.jsonl`): a job followed again because
  /// its result is nowhere in the folder (`Planner.knownJob`) comes back from a cache holding
  /// those bytes without a request (docs/cache.md, "Restore order"). Nil without a cache.
  func knownResult(of plan: JobPlan, jobId: String) -> (sha256: String, known: ResultLedger.Known)? {
    guard cache?.backend != nil, let results else { return nil }
    return results.results(for: plan.pair).first { $0.known.jobId == jobId && $0.known.size != nil }
  }
}
