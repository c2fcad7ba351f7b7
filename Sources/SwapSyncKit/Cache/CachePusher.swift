/// Uploads verified outputs the cache does not have yet (docs/cache.md, "Push"): for each object,
/// a verified copy is read from the output folder, the cache is asked whether it has it (a HEAD,
/// or the folder's file), and only a missing or damaged object is sent. Failures are reported,
/// never fatal: the object stays pending for the next run.
struct CachePusher: Sendable {
  let cache: CacheRun
  let folder: OutputFolder
  /// Objects in flight at once.
  let parallel: Int
  let shouldStop: @Sendable () async -> Bool
  let progress: @Sendable (PushProgress) -> Void

  /// Pushes every verified output of `lock` among `outputs`. With `everything`, objects already
  /// recorded as pushed are checked again (`swapsync push`); otherwise they are skipped with no
  /// request at all (`sync`).
  func push(_ lock: Lockfile, outputs: Set<String>, everything: Bool) async -> PushSummary {
    var items: [(object: CacheObject, outputs: [String])] = []
    for item in CacheLedger.candidates(lock, outputs: outputs) {
      let known = await cache.isKnown(item.object.sha256)
      if everything || !known { items.append(item) }
    }
    let work = items
    var summary = PushSummary(cache: cache.name, total: work.count)
    if !work.isEmpty { await push(work, into: &summary) }
    if let warning = await cache.takeWarning() { summary.warnings.append(warning) }
    do {
      try await cache.save()
    } catch {
      summary.warnings.append("cache \(cache.name): could not record the pushed objects: \(error)")
    }
    return summary
  }

  private func push(_ work: [(object: CacheObject, outputs: [String])], into summary: inout PushSummary) async
  {
    if let backend = cache.backend, await cache.usable { await backend.prepareToStore() }
    await withTaskGroup(of: (Int, PushOutcome).self) { group in
      var next = 0
      func startNext() async -> Bool {
        guard next < work.count, await cache.usable, await !shouldStop() else { return false }
        let index = next
        next += 1
        group.addTask { (index, await pushOne(work[index].object, outputs: work[index].outputs)) }
        return true
      }
      for _ in 0..<max(1, parallel) {
        guard await startNext() else { break }
      }
      var done = 0
      for await (index, outcome) in group {
        done += 1
        summary.record(outcome, outputs: work[index].outputs)
        progress(PushProgress(done: done, total: work.count, outputs: work[index].outputs, outcome: outcome))
        _ = await startNext()
      }
      summary.notAttempted += work.count - next
    }
  }

  private func pushOne(_ object: CacheObject, outputs: [String]) async -> PushOutcome {
    guard let backend = cache.backend else { return .failed(await cache.unusable ?? "no cache") }
    guard let source = verifiedCopy(of: object, among: outputs) else {
      return .noLocalCopy
    }
    defer { Posix.closeQuietly(source) }
    do throws(CacheError) {
      var replacing = await cache.isDamaged(object.sha256)
      if !replacing {
        switch try await backend.probe(object) {
        case .present:
          await cache.markKnown(object.sha256)
          return .alreadyThere
        case .absent:
          break
        case .damaged:
          replacing = true
        }
      }
      // Stopped while looking: no upload starts now.
      if await shouldStop() { return .stopped }
      try await backend.store(object, from: source, replacing: replacing)
      await cache.markKnown(object.sha256)
      return replacing ? .replaced : .pushed
    } catch {
      if case .stopped = error { return .stopped }
      _ = await cache.disable(error)
      return .failed(error.description)
    }
  }

  /// An open descriptor of the first output whose bytes match the lockfile, or nil.
  private func verifiedCopy(of object: CacheObject, among outputs: [String]) -> Int32? {
    for output in outputs {
      guard let fd = try? folder.openRegularFile(output) else { continue }
      let digest = try? OutputFolder.stream(fd, path: output) {
        (_: UnsafeRawBufferPointer) throws(FileSystemError) in
      }
      if digest?.sha256 == object.sha256 && digest?.size == object.size { return fd }
      Posix.closeQuietly(fd)
    }
    return nil
  }
}

/// How the push of one object ended.
public enum PushOutcome: Sendable, Equatable {
  case pushed
  /// The object was there already: nothing was sent.
  case alreadyThere
  /// A damaged object was replaced by verified bytes.
  case replaced
  case failed(String)
  /// No output of the object holds its verified bytes (gone or changed): nothing to send.
  /// `sync` reports such outputs itself and says nothing more; `push` counts them as failed.
  case noLocalCopy
  /// The push stopped (a signal) before this object was sent: not tried.
  case stopped

  /// Why a `noLocalCopy` object was not pushed, for `push`.
  public static let noLocalCopyReason = "no output file matches the lockfile; run `swapsync sync` first"
}

/// One object done, for a progress line.
public struct PushProgress: Sendable {
  public var done: Int
  public var total: Int
  /// The outputs with these bytes.
  public var outputs: [String]
  public var outcome: PushOutcome
}

/// What a push phase did.
public struct PushSummary: Sendable {
  /// The cache location, for messages.
  public var cache: String
  /// Objects that needed a look.
  public var total = 0
  public var pushed = 0
  public var alreadyThere = 0
  public var replaced = 0
  /// Outputs whose object could not be pushed, with the reason.
  public var failed: [(output: String, reason: String)] = []
  /// Objects that could not be pushed, `withoutLocalCopy` included.
  public var failedObjects = 0
  /// Objects with no output holding their bytes (`PushOutcome.noLocalCopy`).
  public var withoutLocalCopy = 0
  /// Objects not tried because the cache stopped answering or the run stopped.
  public var notAttempted = 0
  public var warnings: [String] = []

  init(cache: String, total: Int) {
    self.cache = cache
    self.total = total
  }

  /// Whether every object is now in the cache.
  public var complete: Bool { failed.isEmpty && notAttempted == 0 }

  mutating func record(_ outcome: PushOutcome, outputs: [String]) {
    switch outcome {
    case .pushed: pushed += 1
    case .alreadyThere: alreadyThere += 1
    case .replaced: replaced += 1
    case .failed(let reason):
      failedObjects += 1
      failed += outputs.map { (output: $0, reason: reason) }
    case .stopped:
      notAttempted += 1
    case .noLocalCopy:
      failedObjects += 1
      withoutLocalCopy += 1
      failed += outputs.map { (output: $0, reason: PushOutcome.noLocalCopyReason) }
    }
  }
}
