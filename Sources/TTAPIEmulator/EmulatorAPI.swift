import Dispatch
import HTTPTypes
import Hummingbird

/// Request handlers shared by the routes; holds only the state actor, so it is freely copyable.
struct EmulatorAPI: Sendable {
  let state: EmulatorState

  static let apiKeyField = HTTPField.Name("TT-API-KEY")!
  static let maxBodySize = 1 << 20

  /// Sleeps for the configured latency.
  func applyLatency() async {
    let latency = await state.settings.latency
    if latency > .zero { try? await Task.sleep(for: latency) }
  }

  func hasValidKey(_ request: Request) async -> Bool {
    let expected = await state.settings.apiKey
    return request.headers[Self.apiKeyField] == expected
  }

  /// Faults that answer instead of the real handler; `slow` only waits and returns nil.
  func earlyResponse(for fault: FaultRule?) async -> Response? {
    guard let fault else { return nil }
    switch fault.kind {
    case .http429:
      var headers = HTTPFields()
      headers[.retryAfter] = String(fault.retryAfterSeconds)
      return Responses.error(.tooManyRequests, "rate limit exceeded, retry later", headers: headers)
    case .http499:
      return Responses.error(Responses.queueFullStatus, "queue full")
    case .http500:
      return Responses.error(.internalServerError, "internal server error")
    case .http504:
      return Responses.error(.gatewayTimeout, "gateway timeout")
    case .html502:
      return Responses.html("502 Bad Gateway", status: .badGateway)
    case .closeConnection:
      return Responses.dropConnection()
    case .retryAfterDate:
      return Responses.tooManyRequests(retryAt: fault.retryAfterDateSeconds)
    case .redirect:
      // Answered before any work: a redirected submit creates no job.
      let location = await state.base + "/insightFace/v1/elsewhere"
      return Responses.redirect(to: location, status: HTTPResponse.Status(code: fault.redirectStatus))
    case .slow:
      try? await Task.sleep(for: fault.slowDelay)
      return nil
    default:
      return nil
    }
  }

  /// Faults that spoil an answer the server already produced.
  func lateResponse(for fault: FaultRule?, answer: EmulatorJSON, connection: ClientConnection) -> Response {
    guard let fault else { return Responses.json(answer) }
    switch fault.kind {
    case .invalidJSON:
      let text = answer.serialized
      let cut = text.prefix(max(1, text.count * 3 / 5))
      return Responses.bytes(Array((cut + ",,}<").utf8), contentType: "application/json")
    case .truncatedBody:
      return Responses.truncated(Responses.json(answer), keep: fault.sizeArgument)
    case .gzip:
      return Responses.gzipped(Array(answer.serialized.utf8), contentType: "application/json")
    case .trickle:
      return Responses.trickle(
        Array(answer.serialized.utf8), contentType: "application/json", interval: fault.trickleInterval,
        connection: connection, state: state)
    default:
      return Responses.json(answer)
    }
  }

  /// A job's result PNG, padded to the configured `resultSize`; drawn on first use and cached per
  /// pair and size. Drawing (a few milliseconds of CPU) runs on a Dispatch worker, outside the
  /// state actor and the Swift concurrency pool, so requests waiting for their `--latency` to end
  /// are not held up behind it (on 2 cores the pool has 2 threads).
  func resultPNG(for job: EmulatedJob) async -> [UInt8] {
    let size = await state.settings.resultSize
    if let cached = await state.cachedResult(
      targetImage: job.targetImage, swapImage: job.swapImage, size: size)
    {
      return cached
    }
    let png = await withCheckedContinuation { continuation in
      DispatchQueue.global().async {
        var png = ImageFactory.result(targetImage: job.targetImage, swapImage: job.swapImage)
        if let size { png = PNGEncoder.padded(png, to: size) }
        continuation.resume(returning: png)
      }
    }
    await state.storeResult(png, targetImage: job.targetImage, swapImage: job.swapImage, size: size)
    return png
  }

  /// Reads the request body as JSON; nil when absent, too big or malformed.
  func jsonBody(_ request: Request) async -> EmulatorJSON? {
    var copy = request
    guard let buffer = try? await copy.collectBody(upTo: Self.maxBodySize) else { return nil }
    return EmulatorJSON.parse(Array(buffer.readableBytesView))
  }

  /// An absolute http(s) URL with a non-empty host.
  static func isHTTPURL(_ text: String) -> Bool {
    let lower = text.lowercased()
    let rest: Substring
    if lower.hasPrefix("https://") {
      rest = lower.dropFirst(8)
    } else if lower.hasPrefix("http://") {
      rest = lower.dropFirst(7)
    } else {
      return false
    }
    let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    return !host.isEmpty && !text.contains(where: { $0.isWhitespace })
  }

  /// Delivers a finished job's hook once (no-op when already handled, not finished or none).
  static func fireHook(jobId: String, state: EmulatorState) async {
    guard let (target, body) = await state.claimHook(jobId: jobId) else { return }
    let delivered = await HookSender.post(body, to: target)
    await state.recordHook(delivered: delivered)
  }

  /// Arms a timer that fires the hook when the job ends.
  func scheduleHook(for job: EmulatedJob) {
    guard job.hookUrl != nil else { return }
    let state = self.state
    let jobId = job.id
    let deadline = job.finishesAt
    Task {
      try? await Task.sleep(until: deadline, clock: .continuous)
      await Self.fireHook(jobId: jobId, state: state)
    }
  }
}
