import Foundation

/// Downloading a finished job's result, verifying it and installing it at every output.
extension JobRunner {
  func download(_ plan: JobPlan, snapshot: JobSnapshot, base: LockEntry) async throws {
    await downloadSlots.acquire()
    do {
      try await downloadHoldingSlot(plan, snapshot: snapshot, base: base)
    } catch {
      await downloadSlots.release()
      throw error
    }
    await downloadSlots.release()
  }

  /// Tries every result URL in order (`cdnImage`, then `discordImage`). When all of them
  /// failed: re-fetch the job for fresh URLs if one had expired (403/404/410), else back off.
  func downloadHoldingSlot(_ plan: JobPlan, snapshot: JobSnapshot, base: LockEntry) async throws {
    var snapshot = snapshot
    var index = 0
    var refetches = 0
    var failures = 0
    var expiredStatus: Int?
    var retryAfter: Duration?
    var lastProblem = ""
    while true {
      let urls = snapshot.resultURLs
      guard !urls.isEmpty else {
        return try await markFailed(
          plan, base: base, snapshot: snapshot, "the job succeeded without a result URL")
      }
      if index == urls.count {
        index = 0
        if let status = expiredStatus {
          // Signed result URLs expire: ask the job for fresh ones.
          expiredStatus = nil
          refetches += 1
          guard refetches <= 3 else {
            return try await markLost(
              plan, base: base,
              "the result of job \(snapshot.jobId) can no longer be downloaded (HTTP \(status))")
          }
          switch await client.fetch(jobId: snapshot.jobId) {
          case .job(let fresh) where fresh.state == .succeeded: snapshot = fresh
          case .notFound(let message):
            return try await markLost(
              plan, base: base, "TTAPI no longer knows job \(snapshot.jobId): \(message)")
          default:
            return await warn("\(plan.pending[0]): could not refresh the result URL of job \(snapshot.jobId)")
          }
          continue
        }
        failures += 1
        guard failures < 6, await control.canWait() else {
          return await warn(
            "\(plan.pending[0]): job \(snapshot.jobId) finished but its download failed: \(lastProblem)")
        }
        await sleep(Backoff.delay(attempt: failures, retryAfter: retryAfter))
        retryAfter = nil
      }
      let url = urls[index]
      index += 1
      if let reason = URLPolicy.problem(with: url, allowHTTP: engine.allowsHTTP) {
        return try await markFailed(
          plan, base: base, snapshot: snapshot, "result rejected: URL \(url): \(reason)")
      }
      let temp = try folder.makeTempFile()
      let result: DownloadResult
      do {
        result = try await engine.download(
          HTTPRequest(method: .get, url: url, timeout: .seconds(600), maxBodyBytes: options.maxImageSize),
          to: temp.fd)
      } catch {
        folder.discard(temp)
        switch error {
        case .bodyTooLarge:
          return try await markFailed(
            plan, base: base, snapshot: snapshot,
            "result rejected: larger than --max-image-size (\(options.maxImageSize) bytes)")
        case .refusedURL, .tooManyRedirects:
          return try await markFailed(plan, base: base, snapshot: snapshot, "result rejected: \(error)")
        case .localWriteFailed(let code):
          throw FileSystemError.io(operation: "write", path: folder.stateDir + "/tmp", errno: code)
        case .cancelled:
          return
        case .tlsFailed, .connectFailed, .transferFailed:
          lastProblem = error.description
          continue
        }
      }
      switch result.status {
      case 200..<300:
        guard let type = ImageType.sniff(result.prefix) else {
          folder.discard(temp)
          let kind = result.headers["content-type"] ?? "unknown content type"
          return try await markFailed(
            plan, base: base, snapshot: snapshot,
            "result rejected: not a JPEG, PNG, WebP or GIF image (\(kind))")
        }
        return try await install(plan, temp: temp, result: result, type: type, snapshot: snapshot, base: base)
      case 403, 404, 410:
        folder.discard(temp)
        expiredStatus = result.status
        lastProblem = "HTTP \(result.status)"
      default:
        folder.discard(temp)
        lastProblem = "HTTP \(result.status)"
        retryAfter =
          HTTPResponse(status: result.status, headers: result.headers, body: [], url: url).retryAfter
      }
    }
  }

  /// Moves the verified download into place for every pending output, then records `done`.
  func install(
    _ plan: JobPlan, temp: TempFile, result: DownloadResult, type: ImageType, snapshot: JobSnapshot,
    base: LockEntry
  ) async throws {
    let first = plan.pending[0]
    try folder.install(temp, at: first)  // consumes `temp`, also on failure
    for output in plan.pending.dropFirst() { try folder.installCopy(of: first, at: output) }
    var done = base
    let unchanged = base.state == .done && base.sha256 == result.sha256
    done.state = .done
    done.jobId = snapshot.jobId
    done.sha256 = result.sha256
    done.size = result.size
    done.imageType = type.rawValue
    done.quota = snapshot.quota ?? base.quota
    done.message = nil
    done.finishedAt = unchanged ? base.finishedAt : Self.timestamp()
    try await store.record(updates(plan.pending, done))
    await tally.update {
      $0.downloaded += 1
      $0.copied += plan.pending.count - 1
      if base.state != .done { $0.quotaSpent += done.quota ?? 0 }
    }
    for output in plan.pending where !type.matches(extension: (output as NSString).pathExtension) {
      await warn(
        "\(output): the service returned a \(type.rawValue) image; the file extension does not say so")
    }
  }

  /// Restores outputs from a verified sibling with the same job: no network at all.
  func copy(_ plan: JobPlan, from source: String, entry: LockEntry) async throws {
    for output in plan.pending { try folder.installCopy(of: source, at: output) }
    try await store.record(updates(plan.pending, entry))
    await tally.update { $0.copied += plan.pending.count }
  }
}
