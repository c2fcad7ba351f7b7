import Foundation
import HTTPTypes

/// The S3 backend (docs/cache.md): one object per output at `<prefix>/sha256/ab/<64 hex>`, with
/// the image's content type and its SHA-256 as `x-amz-meta-sha256`. Every request is signed by
/// libcurl (SigV4) and carries `x-amz-content-sha256`. A PUT is atomic in S3: a reader sees the
/// whole object or none, also when the writer is killed.
struct S3Cache: ContentCache {
  /// The object metadata field that carries the content's SHA-256.
  static let sha256Field = HTTPField.Name("x-amz-meta-sha256")!
  let settings: S3Settings
  let engine: HTTPEngine

  /// Error bodies and HEAD answers are small; objects are bounded by their recorded size.
  private static let answerLimit = 1 << 20

  func url(of object: CacheObject) -> String { settings.url(forKey: settings.key(object.relativeKey)) }

  /// Tries for each request: S3 answers 500 and 503 now and then by design, and asks clients to
  /// retry with exponential backoff (AWS's "Retry behavior"; its SDKs make 3 to 5 attempts).
  /// Every request here may be repeated: a HEAD, a GET into a file truncated first, a PUT of
  /// content-addressed bytes. Only `unavailable` failures (5xx, 429, a dropped or refused
  /// connection) are tried again; a refusal is final, and so is a server that stayed silent
  /// (`timedOut`): waiting for it again would only multiply the wait.
  static let attempts = 5

  /// How long a request may go without a byte moving either way (libcurl's low-speed limit), and
  /// the whole time a HEAD may take: a server that takes connections and never answers must not
  /// hold a run for the hour a large object may legitimately take. `--stall-timeout` of `sync`
  /// and `push` sets it (default 30 s, as for results).
  var stallTimeout = Duration.seconds(30)

  func probe(_ object: CacheObject) async throws(CacheError) -> CacheProbe {
    try await retrying { () async throws(CacheError) -> CacheProbe in try await probeOnce(object) }
  }

  func fetch(_ object: CacheObject, into descriptor: Int32) async throws(CacheError) -> CacheFetch {
    try await retrying { () async throws(CacheError) -> CacheFetch in
      try await fetchOnce(object, into: descriptor)
    }
  }

  func store(_ object: CacheObject, from source: Int32, replacing: Bool) async throws(CacheError) {
    try await retrying { () async throws(CacheError) in
      try await storeOnce(object, from: source, replacing: replacing)
    }
  }

  /// Runs `request` up to `attempts` times while it fails with `unavailable`, waiting 0.25–0.5 s,
  /// 0.5–1 s, 1–2 s, then 2–4 s between tries (`Backoff`, with jitter).
  private func retrying<T: Sendable>(_ request: () async throws(CacheError) -> T) async throws(CacheError)
    -> T
  {
    var attempt = 1
    while true {
      do throws(CacheError) {
        return try await request()
      } catch {
        guard case .unavailable = error, attempt < Self.attempts else { throw error }
        do {
          try await Task.sleep(for: Backoff.delay(attempt: attempt))
        } catch {
          throw .stopped
        }
        attempt += 1
      }
    }
  }

  private func probeOnce(_ object: CacheObject) async throws(CacheError) -> CacheProbe {
    let response = try await send(
      HTTPRequest(
        method: .head, url: url(of: object), timeout: stallTimeout, maxBodyBytes: Self.answerLimit,
        signing: settings.signing(), followRedirects: false))
    switch response.status {
    case 200..<300:
      let length = response.headers[.contentLength].flatMap { Int($0) }
      if length != object.size {
        return .damaged("\(url(of: object)) holds \(length.map(String.init) ?? "an unknown number of") bytes")
      }
      if response.headers[Self.sha256Field] != object.sha256 {
        return .damaged("\(url(of: object)) does not carry the expected x-amz-meta-sha256")
      }
      return .present
    case 404:
      return .absent
    case 403:
      // Without s3:ListBucket, S3 answers 403 for a missing key: let the PUT tell.
      return .absent
    default:
      throw Self.failure(status: response.status, body: [], url: url(of: object))
    }
  }

  private func fetchOnce(_ object: CacheObject, into descriptor: Int32) async throws(CacheError) -> CacheFetch
  {
    let request = HTTPRequest(
      // At least 64 KiB: libcurl applies the limit to error answers' Content-Length too.
      method: .get, url: url(of: object), timeout: .seconds(3600), maxBodyBytes: max(object.size, 64 * 1024),
      stallTimeout: stallTimeout,
      signing: settings.signing(), followRedirects: false)
    let result: DownloadResult
    do throws(HTTPError) {
      result = try await engine.download(request, to: descriptor)
    } catch {
      if case .bodyTooLarge = error {
        return .damaged("\(url(of: object)) is larger than the recorded \(object.size) bytes")
      }
      throw Self.failure(error)
    }
    switch result.status {
    case 200..<300:
      return .fetched(sha256: result.sha256, size: result.size, type: ImageType.sniff(result.prefix))
    case 404:
      return .absent
    case 403 where S3ErrorBody(result.errorBody).code == "AccessDenied":
      // A missing key without s3:ListBucket permission looks the same.
      return .absent
    default:
      throw Self.failure(status: result.status, body: result.errorBody, url: url(of: object))
    }
  }

  private func storeOnce(_ object: CacheObject, from source: Int32, replacing: Bool) async throws(CacheError)
  {
    let request = HTTPRequest(
      method: .put, url: url(of: object),
      headers: [("Content-Type", object.contentType), ("x-amz-meta-sha256", object.sha256)],
      timeout: .seconds(3600), maxBodyBytes: Self.answerLimit, stallTimeout: stallTimeout,
      upload: .file(descriptor: source, size: object.size),
      signing: settings.signing(payloadSHA256: object.sha256), followRedirects: false)
    let response = try await send(request)
    guard (200..<300).contains(response.status) else {
      // S3 checks the body against x-amz-content-sha256 (XAmzContentSHA256Mismatch).
      if S3ErrorBody(response.body).code == "XAmzContentSHA256Mismatch" {
        throw .sourceChanged("the output changed on disk since it was recorded; not pushed")
      }
      throw Self.failure(status: response.status, body: response.body, url: url(of: object))
    }
  }

  private func send(_ request: HTTPRequest) async throws(CacheError) -> HTTPResponse {
    do throws(HTTPError) {
      return try await engine.send(request)
    } catch {
      throw Self.failure(error)
    }
  }

  private static func failure(_ error: HTTPError) -> CacheError {
    switch error {
    case .notStarted, .cancelled: .stopped
    case .refusedURL, .tooManyRedirects, .setupFailed: .refused(error.description)
    case .timedOut: .timedOut(error.description)
    default: .unavailable(error.description)
    }
  }

  /// An S3 error answer as a cache error, naming S3's error code and what to check.
  private static func failure(status: Int, body: [UInt8], url: String) -> CacheError {
    let parsed = S3ErrorBody(body)
    var detail = "HTTP \(status)"
    if let code = parsed.code { detail += " \(code)" }
    if let message = parsed.message { detail += ": \(message)" }
    detail += " (\(HTTPEngine.redacted(url)))"
    switch (status, parsed.code) {
    case (_, "SignatureDoesNotMatch"?), (_, "InvalidAccessKeyId"?), (_, "ExpiredToken"?),
      (_, "InvalidToken"?):
      return .refused(detail + "; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN")
    case (301, _), (307, _), (_, "PermanentRedirect"?), (_, "AuthorizationHeaderMalformed"?):
      return .refused(detail + "; the bucket may be in another region: set AWS_REGION")
    case (403, _):
      return .refused(detail + "; the credentials need s3:GetObject and s3:PutObject on the bucket")
    case (404, "NoSuchBucket"?):
      return .refused(detail + "; create the bucket or fix the cache location")
    case (500..<600, _), (429, _):
      return .unavailable(detail)
    default:
      return .refused(detail)
    }
  }
}

/// The `Code` and `Message` of an S3 XML error answer, when there is one.
struct S3ErrorBody {
  var code: String?
  var message: String?

  init(_ body: [UInt8]) {
    let text = String(decoding: body.prefix(16 * 1024), as: UTF8.self)
    code = Self.element("Code", in: text)
    message = Self.element("Message", in: text)
  }

  private static func element(_ name: String, in text: String) -> String? {
    guard let start = text.range(of: "<\(name)>"),
      let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
    else { return nil }
    let value = text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    return value.isEmpty ? nil : String(value.prefix(300))
  }
}
