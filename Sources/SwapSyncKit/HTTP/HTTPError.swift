/// Why an HTTP exchange produced no answer, classified by whether the request could have
/// reached the server — the fact that decides whether a submit may be sent again (docs/http.md).
public enum HTTPError: Error, Sendable, CustomStringConvertible {
  /// The request certainly never left: DNS failure, connection refused, connect timeout.
  case connectFailed(String)
  /// TLS handshake or certificate verification failed before any request was sent.
  case tlsFailed(String)
  /// The request may have reached the server, but no complete answer came back
  /// (timeout after sending, connection reset, empty reply, truncated body).
  case transferFailed(String)
  /// The server took the request and did not answer (or stopped answering) in time
  /// (`CURLE_OPERATION_TIMEDOUT` after the request was sent; `timeout`, `stallTimeout`).
  case timedOut(String)
  /// The answer was longer than the request's limit; `encoding`, the `Content-Encoding` it came
  /// in (libcurl decodes it, and the limit holds for the decoded bytes), when not `identity`.
  case bodyTooLarge(limit: Int, encoding: String? = nil)
  /// Writing the downloaded body to disk failed.
  case localWriteFailed(errno: Int32)
  /// A URL (requested or redirected to) was refused by the URL rule (docs/manifest.md). The
  /// description shows it without its query (`HTTPEngine.redacted`).
  case refusedURL(String, reason: String)
  case tooManyRedirects(Int)
  /// libcurl could not set up the transfer (no handle, or an option this libcurl refuses).
  case setupFailed(String)
  /// The run stopped (interrupt or timeout) before the request was about to be sent.
  case notStarted
  /// The run stopped while the request was under way; it may have reached the server.
  case cancelled

  /// True when the server cannot have seen the request.
  public var requestCertainlyNotSent: Bool {
    switch self {
    case .connectFailed, .tlsFailed, .refusedURL, .notStarted, .setupFailed: true
    case .transferFailed, .timedOut, .bodyTooLarge, .localWriteFailed, .tooManyRedirects, .cancelled: false
    }
  }

  public var description: String {
    switch self {
    case .connectFailed(let detail): "could not connect: \(detail)"
    case .tlsFailed(let detail): "TLS failure: \(detail) (use --cacert FILE for a private CA)"
    case .transferFailed(let detail): "no complete answer: \(detail)"
    case .timedOut(let detail): "no answer in time: \(detail)"
    case .bodyTooLarge(let limit, let encoding):
      "answer larger than the limit of \(limit) bytes\(encoding.map { " once decoded from its \($0) encoding" } ?? "")"
    case .localWriteFailed(let code): "could not write the download: \(String(cString: strerror(code)))"
    case .refusedURL(let url, let reason): "refused URL \(HTTPEngine.redacted(url)): \(reason)"
    case .tooManyRedirects(let count): "more than \(count) redirects"
    case .setupFailed(let detail): "cannot set up the HTTP request: \(detail)"
    case .notStarted: "not sent: the run is stopping"
    case .cancelled: "cancelled: the run is stopping"
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
