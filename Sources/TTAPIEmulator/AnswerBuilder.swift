/// Builds submit and fetch answers (also the hook body), in normal or drifted shape.
struct AnswerBuilder: Sendable {
  /// Where result URLs point: the emulator, or the configured `cdnBase`.
  let resultBaseURL: String
  let signer: CDNSigner
  let drift: Bool
  let cdnTTL: Duration

  /// Hostile result URLs that replace `cdnImage`/`discordImage`.
  static let fileURL = "file:///etc/passwd"
  static let remoteURL = "http://203.0.113.7/x.png"

  func submitAnswer(jobId: String) -> EmulatorJSON {
    if drift {
      return .object([
        ("status", .string("SUCCESS")),
        ("message", .string("success")),
        ("data", .object([("job_id", .string(jobId)), ("queue", .string("default"))])),
        ("requestId", .string("req-\(jobId.suffix(8))")),
      ])
    }
    return .object([
      ("status", .string("SUCCESS")),
      ("message", .string("")),
      ("data", .object([("jobId", .string(jobId))])),
    ])
  }

  /// The fetch answer; `hostileURL` replaces both result URLs when a hostile fault fires, and
  /// `withoutURLs` (successWithoutURL) leaves `cdnImage` null and `discordImage` out.
  func fetchAnswer(
    job: EmulatedJob, status: JobStatus, hostileURL: String? = nil, withoutURLs: Bool = false
  ) -> EmulatorJSON {
    var cdnImage: EmulatorJSON = .null
    var discordImage: EmulatorJSON = .null
    if status == .success && !withoutURLs {
      if let hostileURL {
        cdnImage = .string(hostileURL)
        discordImage = .string(hostileURL)
      } else {
        cdnImage = .string(signer.url(base: resultBaseURL, route: "cdn", jobId: job.id, ttl: cdnTTL))
        discordImage = .string(signer.url(base: resultBaseURL, route: "discord", jobId: job.id, ttl: cdnTTL))
      }
    }
    let hook: EmulatorJSON = job.hookUrl.map { .string($0) } ?? .null
    let failure: String? = status == .failed ? job.failureMessage : nil
    let plain: [(String, EmulatorJSON)] = [
      ("jobId", .string(job.id)),
      ("targetImage", .string(job.targetImage)),
      ("swapImage", .string(job.swapImage)),
      ("discordImage", discordImage),
      ("cdnImage", cdnImage),
      ("hookUrl", hook),
      ("quota", .int(2)),
    ]
    if drift {
      var data: [(String, EmulatorJSON)] = [
        ("job_id", .string(job.id)),
        ("targetImage", .string(job.targetImage)),
        ("swapImage", .string(job.swapImage)),
        ("cdnImage", cdnImage),
        ("hookUrl", hook),
        ("quota", .string("2")),
        ("progress", .int(status.isFinished ? 100 : (status == .onQueue ? 50 : 0))),
      ]
      if hostileURL != nil { data.append(("discordImage", discordImage)) }
      return .object([
        ("status", .string(status.rawValue)),
        ("jobId", .string(job.id)),
        ("message", failure.map { .string($0) } ?? .null),
        ("data", .object(data)),
        ("requestId", .string("req-\(job.id.suffix(8))")),
      ])
    }
    return .object([
      ("status", .string(status.rawValue)),
      ("jobId", .string(job.id)),
      ("message", .string(failure ?? "")),
      ("data", .object(plain.filter { !withoutURLs || $0.0 != "discordImage" })),
    ])
  }
}
