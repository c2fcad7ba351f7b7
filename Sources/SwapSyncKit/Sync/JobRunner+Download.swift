import Foundation
import HTTPTypes

/// Downloading a finished job's result, verifying it and installing it at every output.
///
/// The policy (docs/states.md): every result URL is tried (`cdnImage`, then `discordImage`);
/// when none gave a usable image, the job is fetched again for fresh URLs, up to
/// `refreshesPerRun` times. Transient failures (connection errors, 5xx, stalls) are retried with
/// backoff. Only when a whole run ends with the result refused or gone is `resultUnusable`
/// recorded — once per run; a `running` entry stays collectable until
/// `Lifecycle.unusableRunLimit` runs, a `done` one (a restore) for good.
extension JobRunner {
  /// Fresh-URL fetches per run before the run gives up on a result.
  static let refreshesPerRun = 3
  /// Rounds over the URLs per run that end in transient failures only.
  var transientRoundsPerRun: Int { options.noWait ? 1 : 6 }

  /// How one attempt at one URL ended.
  private enum Attempt {
    case installed
    /// The run stopped (interrupt or timeout) while downloading.
    case stopped
    /// Worth trying again later in this run.
    case transient(String, retryAfter: Duration?)
    /// The URL answered 403/404/410: it expired.
    case gone(String)
    /// The bytes or the URL are unusable (not an image, refused URL).
    case refused(String)
    /// Larger than `--max-image-size`: this machine's limit, not the result's fault. It is
    /// neither fetched again nor counted against the paid job. `raise`: whether raising the
    /// limit is the advice (not for a body that only grew that large when decoded).
    case overLimit(String, raise: Bool)
  }

  func download(_ plan: JobPlan, snapshot: JobSnapshot) async throws {
    await downloadSlots.acquire()
    options.observer?.downloading(1)
    defer { options.observer?.downloading(-1) }
    do {
      try await downloadHoldingSlot(plan, snapshot: snapshot)
    } catch {
      await downloadSlots.release()
      throw error
    }
    await downloadSlots.release()
  }

  private func downloadHoldingSlot(_ plan: JobPlan, snapshot first: JobSnapshot) async throws {
    var snapshot = first
    var refreshes = 0
    var transientRounds = 0
    while true {
      var problem: (reason: String, gone: Bool)?
      var lastTransient: (reason: String, retryAfter: Duration?)?
      var overLimit: (reason: String, raise: Bool)?
      for url in snapshot.resultURLs {
        guard await !control.stopped else { return }
        switch try await attempt(plan, url: url, snapshot: snapshot) {
        case .installed, .stopped: return
        case .transient(let reason, let after): lastTransient = (reason, after)
        case .gone(let reason): problem = problem ?? (reason, true)
        case .refused(let reason): problem = (reason, false)
        case .overLimit(let reason, let raise): overLimit = (reason, raise)
        }
      }
      if let overLimit, problem == nil, lastTransient == nil {
        let advice =
          overLimit.raise
          ? "raise --max-image-size and run `swapsync sync` again"
          : "run `swapsync sync` again later, or raise --max-image-size if you expect such results"
        return await warn(
          "\(plan.pending.joined(separator: ", ")): the result of job \(snapshot.jobId) is \(overLimit.reason); it "
            + "stays collectable (paid for): \(advice)")
      }
      if snapshot.resultURLs.isEmpty { problem = ("the job succeeded without a result URL", true) }
      guard await !control.stopped else { return }
      if let problem {
        guard refreshes < Self.refreshesPerRun else {
          return try await giveUpForThisRun(plan, reason: problem.reason, gone: problem.gone)
        }
        refreshes += 1
        // Signed result URLs expire, and a mirror may serve an error page: ask for fresh ones.
        let refreshed = await client.fetch(jobId: snapshot.jobId)
        switch refreshed {
        case .job(let fresh) where fresh.state == .succeeded:
          snapshot = fresh
        case .job(let fresh):
          if case .failed(let message) = fresh.state {
            try await transition(
              plan, .serviceFailed(message: message, quota: fresh.quota, at: Self.timestamp()))
            return
          }
        case .notFound(let message):
          try await transition(
            plan,
            .jobUnknown(
              message: "TTAPI no longer knows job \(snapshot.jobId): \(message)", at: Self.timestamp()))
          return
        case .stopped:
          return
        default:
          await sleep(Backoff.delay(attempt: refreshes))
        }
        continue
      }
      transientRounds += 1
      let reason = lastTransient?.reason ?? "no answer"
      guard transientRounds < transientRoundsPerRun, await control.canWait() else {
        return await warn(
          "\(plan.pending.joined(separator: ", ")): job \(snapshot.jobId) finished but its download failed (\(reason)); "
            + "it stays collectable: run `swapsync sync` again")
      }
      await sleep(Backoff.delay(attempt: transientRounds, retryAfter: lastTransient?.retryAfter))
    }
  }

  /// Records that this run could not use the result; the entry stays collectable until the
  /// limit of runs is reached.
  private func giveUpForThisRun(_ plan: JobPlan, reason: String, gone: Bool) async throws {
    let record = await store.entry(plan.pending[0])
    let deadlinePassed = record.flatMap(deadline(of:)).map { $0 <= Date() } ?? true
    let event = LifecycleEvent.resultUnusable(
      reason: reason, gone: gone, at: Self.timestamp(), deadlinePassed: deadlinePassed)
    var updates = try await proposed(plan, event)
    // A failed restore leaves every `done` record as it was, each output's own: a sibling's
    // record is not rewritten from the plan's, which may be the wrong one (docs/states.md).
    for output in plan.pending where await store.entry(output)?.state == .done { updates[output] = nil }
    try await store.record(updates, cause: Lifecycle.kind(of: event).rawValue)
    let entry = updates[plan.pending[0]] ?? record
    if let entry, entry.state == .done {
      await warn(
        "\(plan.pending.joined(separator: ", ")): could not restore it from job \(entry.jobId ?? "?"): \(reason); "
          + "the lockfile keeps its record and the next run tries again")
    } else if let entry, Lifecycle.isCollectable(entry.state) {
      await warn(
        "\(plan.pending.joined(separator: ", ")): \(entry.message ?? reason); the next run tries again")
    } else {
      // Ended (failed or lost): the run's summary names it with its advice.
      logger.info("\(plan.pending.joined(separator: ", ")): \(entry?.message ?? reason)")
    }
  }

  private func attempt(_ plan: JobPlan, url: String, snapshot: JobSnapshot) async throws -> Attempt {
    if let reason = URLPolicy.problem(with: url, allowHTTP: engine.allowsHTTP) {
      return .refused("result URL \(HTTPEngine.redacted(url)) refused: \(reason)")
    }
    let folder = folder
    let temp = try await BlockingIO.run { () throws(FileSystemError) in try folder.makeTempFile() }
    let result: DownloadResult
    do {
      result = try await engine.download(
        HTTPRequest(
          method: .get, url: url, timeout: .seconds(3600), maxBodyBytes: options.maxImageSize,
          stallTimeout: options.stallTimeout),
        to: temp.fd)
    } catch {
      folder.discard(temp)
      switch error {
      case .bodyTooLarge(_, let encoding?):
        // A body that grows past the limit when decoded is more likely a broken or hostile
        // answer than a picture: raising the limit is not the first thing to try.
        return .overLimit(
          "larger than --max-image-size (\(options.maxImageSize) bytes) once decoded from the \(encoding) "
            + "encoding it was sent in, which is unusual for an image and may not be one", raise: false)
      case .bodyTooLarge:
        return .overLimit("larger than --max-image-size (\(options.maxImageSize) bytes)", raise: true)
      case .refusedURL, .tooManyRedirects:
        return .refused("\(error)")
      case .localWriteFailed(let code):
        throw FileSystemError.io(operation: "write", path: folder.stateDir + "/tmp", errno: code)
      case .cancelled, .notStarted:
        return .stopped
      case .tlsFailed, .connectFailed, .transferFailed, .timedOut, .setupFailed:
        return .transient(error.description, retryAfter: nil)
      }
    }
    switch result.status {
    case 200..<300:
      guard let type = ImageType.sniff(result.prefix) else {
        folder.discard(temp)
        // A close-delimited body that ended inside an image's signature was cut short, not
        // something other than an image (docs/http.md).
        if result.endedByClose, ImageType.mayBeginSignature(result.prefix) {
          return .transient(
            "the body ended after \(result.size) bytes, inside an image's first bytes; the server closed the "
              + "connection without stating the body's length, so it was cut short", retryAfter: nil)
        }
        let kind = result.headers[.contentType] ?? "unknown content type"
        return .refused("not a JPEG, PNG, WebP or GIF image (\(kind))")
      }
      if let difference = Self.differenceFromRecord(result, plan: plan) {
        folder.discard(temp)
        return .refused(difference)
      }
      if let correction = Self.recordCorrection(result, type: type, plan: plan, jobId: snapshot.jobId) {
        await warn(correction)
      }
      // Bytes equal to the recorded checksum are whole by definition; other close-delimited
      // bodies must hold a whole image (docs/http.md). They are rare: read back from the file.
      if result.endedByClose, !Self.confirmedByRecord(plan),
        try await !Self.holdsWholeImage(temp, type: type, in: folder)
      {
        folder.discard(temp)
        return .transient(
          "the \(type.rawValue) image (\(result.size) bytes) does not end with a \(type.rawValue)'s end; the "
            + "server closed the connection without stating the body's length, so it may have been cut short",
          retryAfter: nil)
      }
      // A body whose length HTTP stated can still be an image stored cut short (a damaged CDN
      // object): without its format's end marker, the structure is walked (docs/http.md).
      if !result.endedByClose, !Self.confirmedByRecord(plan),
        !type.hasEndMarker(prefix: result.prefix, suffix: result.suffix, size: result.size),
        try await Self.isCutShort(temp, type: type, in: folder)
      {
        folder.discard(temp)
        return .refused(
          "the \(type.rawValue) image is cut short: its structure goes on past the \(result.size) bytes the "
            + "server sent (and said it would send)")
      }
      try await install(plan, temp: temp, result: result, type: type, snapshot: snapshot)
      return .installed
    case 403, 404, 410:
      folder.discard(temp)
      return .gone("HTTP \(result.status) from the result URL")
    default:
      folder.discard(temp)
      let retryAfter = HTTPResponse(status: result.status, headers: result.headers, body: [], url: url)
        .retryAfter
      return .transient("HTTP \(result.status)", retryAfter: retryAfter)
    }
  }

  /// For a restore (a `done` entry), how the downloaded bytes differ from the recorded ones, or
  /// nil when they are the same. The lockfile's checksum is the truth: a result that does not
  /// match it is never installed, and the record is never rewritten from it (docs/states.md).
  /// Its SHA-256 alone names the bytes: a result with the recorded SHA-256 but another size or
  /// image type is the recorded result under a wrong (edited) record, installed and recorded as
  /// it is (`recordCorrection`).
  static func differenceFromRecord(_ result: DownloadResult, plan: JobPlan) -> String? {
    guard let recorded = recordedResult(plan), let sha256 = recorded.sha256 else { return nil }
    if result.sha256 == sha256 { return nil }
    let size = recorded.size.map { "\($0) bytes, " } ?? ""
    return "the downloaded result (\(result.size) bytes, sha256 \(result.sha256)) is not the one the "
      + "lockfile records (\(size)sha256 \(sha256)); the record is kept. If it was edited by hand or by a merge, "
      + "restore it from version control"
  }

  /// The warning for a restore whose result has the recorded SHA-256 but not the recorded size
  /// or image type, or nil: the record was wrong, and what the bytes are replaces it.
  static func recordCorrection(_ result: DownloadResult, type: ImageType, plan: JobPlan, jobId: String)
    -> String?
  {
    guard let recorded = recordedResult(plan), recorded.sha256 == result.sha256 else { return nil }
    var wrong: [String] = []
    if recorded.size != result.size {
      wrong.append("\(recorded.size.map { "\($0) bytes" } ?? "no size") (they are \(result.size) bytes long)")
    }
    if recorded.imageType != type.rawValue {
      wrong.append("imageType \"\(recorded.imageType ?? "")\" (they are a \(type.rawValue) image)")
    }
    guard !wrong.isEmpty else { return nil }
    return
      "\(plan.outputs.joined(separator: ", ")): the lockfile recorded \(wrong.joined(separator: " and ")) for "
      + "the bytes of sha256 \(result.sha256.prefix(12))… (an edit or a bad merge); the result of job \(jobId) is "
      + "installed and recorded as it is"
  }

  /// Whether the downloaded file `temp` holds a whole image of `type` (`ImageType.endsWhole`).
  static func holdsWholeImage(_ temp: TempFile, type: ImageType, in folder: OutputFolder) async throws -> Bool
  {
    try await BlockingIO.run { () throws(FileSystemError) in type.endsWhole(try folder.read(temp)) }
  }

  /// Whether the downloaded file `temp` holds an image of `type` whose structure the bytes stop
  /// inside (`ImageType.ending(of:)`); an image followed by a trailer, or one whose structure
  /// cannot be walked, is not.
  static func isCutShort(_ temp: TempFile, type: ImageType, in folder: OutputFolder) async throws -> Bool {
    try await BlockingIO.run { () throws(FileSystemError) in
      type.ending(of: try folder.read(temp)) == .cutShort
    }
  }

  /// Whether a download for this plan is checked against a recorded checksum (a restore).
  static func confirmedByRecord(_ plan: JobPlan) -> Bool { recordedResult(plan) != nil }

  /// The `done` record with a checksum that a restore's download must match, if the plan is one.
  private static func recordedResult(_ plan: JobPlan) -> LockEntry? {
    guard case .restore = plan.action, let recorded = plan.current, recorded.state == .done,
      recorded.sha256 != nil
    else { return nil }
    return recorded
  }
}
