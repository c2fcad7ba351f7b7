import Foundation
import HTTPTypes
import Synchronization

/// Client for TTAPI SwapFace: submit and fetch, with answers classified for the sync engine.
public struct TTAPIClient: Sendable {
  private let engine: HTTPEngine
  private let baseURL: String
  private let apiKey: String
  /// Fetch requests that may have reached the server (not those that certainly never left: a
  /// refused connection, a run stopping first).
  private let fetchCount = FetchCount()

  private final class FetchCount: Sendable {
    let value = Atomic<Int>(0)
  }

  /// How many fetch requests this client sent that may have reached the server: the run's
  /// `polls` (docs/events.md).
  public var fetchesSent: Int { fetchCount.value.load(ordering: .relaxed) }

  public init(engine: HTTPEngine, baseURL: String, apiKey: String) {
    self.engine = engine
    self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    self.apiKey = apiKey
  }

  /// Submits one swap. The request goes on a fresh connection, so it leaves at most once.
  public func submit(_ pair: SwapPair, hookUrl: String?) async -> SubmitOutcome {
    var body: [String: String] = ["targetImage": pair.targetImage, "swapImage": pair.swapImage]
    body["hookUrl"] = hookUrl
    let request = apiRequest(path: "/insightFace/v1/swap", body: body, freshConnection: true)
    let response: HTTPResponse
    do {
      response = try await engine.send(request)
    } catch {
      if case .notStarted = error { return .notSent(error.description) }
      if error.requestCertainlyNotSent {
        if case .connectFailed = error {
          return .retryable(Retry(reason: error.description, unavailable: true))
        }
        return .unreachable(error.description)
      }
      return .uncertain(error.description)
    }
    switch response.status {
    case 200..<300:
      guard let answer = try? JSONDecoder().decode(SubmitAnswer.self, from: Data(response.body)) else {
        return .uncertain("HTTP \(response.status) with an answer that is not JSON")
      }
      if let jobId = answer.jobId {
        guard JobID.isSafe(jobId) else { return .uncertain("the service answered with an unsafe job id") }
        return .created(jobId: jobId)
      }
      if answer.status?.uppercased() == "FAILED" {
        return .rejected(status: response.status, message: Self.message(in: response))
      }
      return .uncertain("HTTP \(response.status) without a job id")
    case 400, 404:
      guard Self.isServiceAnswer(response) else {
        return .unreachable(notTTAPI(response, answering: "the submit"))
      }
      return .rejected(status: response.status, message: Self.message(in: response))
    case 401, 402, 403:
      return .denied(status: response.status, message: Self.message(in: response))
    case 429, 499:
      return .retryable(Self.overloaded(response))
    case 300..<400:
      return .redirected(status: response.status, location: Self.location(of: response))
    default:
      return .uncertain("HTTP \(response.status): \(Self.message(in: response))")
    }
  }

  /// Asks for a job's state. Safe to repeat; reuses connections.
  public func fetch(jobId: String) async -> FetchOutcome {
    let request = apiRequest(path: "/insightFace/v1/fetch", body: ["jobId": jobId], freshConnection: false)
    let response: HTTPResponse
    do {
      response = try await engine.send(request)
      fetchCount.value.add(1, ordering: .relaxed)
    } catch {
      if !error.requestCertainlyNotSent { fetchCount.value.add(1, ordering: .relaxed) }
      switch error {
      case .notStarted, .cancelled: return .stopped
      case .tlsFailed, .refusedURL, .setupFailed: return .unreachable(error.description)
      default: return .retryable(Retry(reason: error.description, unavailable: true))
      }
    }
    switch response.status {
    case 200..<300:
      guard let answer = try? JSONDecoder().decode(FetchAnswer.self, from: Data(response.body)) else {
        return .retryable(Retry(reason: "HTTP \(response.status) with an answer that is not JSON"))
      }
      return .job(JobSnapshot(answer: answer, jobId: jobId))
    case 400, 404:
      guard Self.isServiceAnswer(response) else {
        return .unreachable(notTTAPI(response, answering: "the fetch of job \(jobId)") + "; the job is kept")
      }
      return response.status == 404
        ? .notFound(Self.message(in: response)) : .rejected(status: 400, message: Self.message(in: response))
    case 401, 402, 403:
      return .denied(status: response.status, message: Self.message(in: response))
    case 429, 499:
      return .retryable(Self.overloaded(response))
    case 300..<400:
      let location = Self.location(of: response)
      return .unreachable(
        "TTAPI answered the fetch with a redirect (HTTP \(response.status)) to \(location); check --api-base")
    default:
      return .retryable(
        Retry(
          reason: "HTTP \(response.status): \(Self.message(in: response))", after: response.retryAfter,
          unavailable: response.status >= 500))
    }
  }

  private func apiRequest(path: String, body: [String: String], freshConnection: Bool) -> HTTPRequest {
    let bytes = CompactJSON.object(body)
    return HTTPRequest(
      method: .post, url: baseURL + path,
      headers: [
        ("TT-API-KEY", apiKey), ("Content-Type", "application/json"), ("Accept", "application/json"),
      ],
      body: bytes, connectTimeout: .seconds(15), timeout: .seconds(60), freshConnection: freshConnection)
  }

  private static func overloaded(_ response: HTTPResponse) -> Retry {
    let what = response.status == 499 ? "the account's queue of running jobs is full" : "rate limit exceeded"
    return Retry(reason: "HTTP \(response.status): \(what)", after: response.retryAfter, overloaded: true)
  }

  /// A redirect's `Location`, without its query (`HTTPEngine.redacted`), for messages.
  private static func location(of response: HTTPResponse) -> String {
    response.headers[.location].map(HTTPEngine.redacted) ?? "(no Location)"
  }

  /// Whether `response` carries TTAPI's own error answer, `{"status":"FAILED","message":…}`: a
  /// JSON object whose `status` is the string `FAILED` (any case). Only then is a 400 or 404 the
  /// service's word about a request or a job: a 404 from anything else at the address (a wrong
  /// `--api-base`, a proxy, a gateway's page, another API's JSON such as RFC 9457's numeric
  /// `status` or JSend's `"error"`) says nothing about the job, and never fails or loses an
  /// entry (docs/http.md).
  static func isServiceAnswer(_ response: HTTPResponse) -> Bool {
    guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
      let status = object["status"] as? String
    else { return false }
    return status.uppercased() == "FAILED"
  }

  /// The message for a 400 or 404 that is not TTAPI's answer (`isServiceAnswer`).
  private func notTTAPI(_ response: HTTPResponse, answering what: String) -> String {
    "\(baseURL) answered \(what) with HTTP \(response.status) (\(Self.bodyDescription(response))), which is not "
      + "TTAPI's error answer; check --api-base / TTAPI_BASE_URL"
  }

  /// The error message of an answer, or a short description of its body (callers say the
  /// status: "HTTP 502: no message (text/html, 157 bytes)").
  static func message(in response: HTTPResponse) -> String {
    if let answer = try? JSONDecoder().decode(SubmitAnswer.self, from: Data(response.body)),
      let message = meaningfulMessage(answer.message)
    {
      return message
    }
    return "no message (\(bodyDescription(response)))"
  }

  /// "text/html, 157 bytes": what a body was, for messages.
  static func bodyDescription(_ response: HTTPResponse) -> String {
    "\(response.headers[.contentType] ?? "no content type"), \(response.body.count) bytes"
  }
}
