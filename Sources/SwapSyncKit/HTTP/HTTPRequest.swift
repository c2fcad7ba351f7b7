/// One HTTP request for ``HTTPEngine``: method, URL, headers, body and limits.
public struct HTTPRequest: Sendable {
  public enum Method: String, Sendable {
    case get = "GET"
    case post = "POST"
    /// Sends `upload` as the body (object storage writes).
    case put = "PUT"
    /// Asks for the header fields only; the answer has no body.
    case head = "HEAD"
  }

  /// The body of a PUT, streamed to the server.
  public enum Upload: Sendable {
    case bytes([UInt8])
    /// `size` bytes read from `descriptor`, starting at offset 0. The caller owns the
    /// descriptor and keeps it open until the request returns.
    case file(descriptor: Int32, size: Int)

    var size: Int {
      switch self {
      case .bytes(let bytes): bytes.count
      case .file(_, let size): size
      }
    }
  }

  public var method: Method
  public var url: String
  /// Header fields in order. Values of `redactedHeaders` never reach a log.
  public var headers: [(name: String, value: String)]
  public var body: [UInt8]
  public var connectTimeout: Duration
  /// Bound on the whole exchange, connect included.
  public var timeout: Duration
  /// Open a new connection and close it afterwards. Submits use this so that libcurl can
  /// never resend them on a stale keep-alive connection (docs/safety.md).
  public var freshConnection: Bool
  /// Largest response body accepted (decoded bytes); a longer body aborts the transfer.
  public var maxBodyBytes: Int
  /// A transfer slower than `HTTPRequest.stallFloor` bytes per second for this long is
  /// abandoned as stalled (libcurl `CURLOPT_LOW_SPEED_LIMIT` / `CURLOPT_LOW_SPEED_TIME`). Nil for
  /// API requests: a server thinking about a submit sends nothing for a while, and cutting that
  /// answer off would make a billed job `uncertain`; `timeout` bounds those instead.
  public var stallTimeout: Duration?
  /// The body of a `.put` request.
  public var upload: Upload?
  /// Sign the request with AWS Signature Version 4 (libcurl's `CURLOPT_AWS_SIGV4`).
  public var signing: AWSSigV4?
  /// Whether ``HTTPEngine`` follows a redirect answer to a GET (checked hop by hop).
  public var followRedirects: Bool

  /// The speed below which a transfer counts as stalled: 1 KiB/s.
  public static let stallFloor = 1024

  public init(
    method: Method, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
    connectTimeout: Duration = .seconds(15), timeout: Duration = .seconds(60),
    freshConnection: Bool = false, maxBodyBytes: Int = 1 << 20, stallTimeout: Duration? = nil,
    upload: Upload? = nil, signing: AWSSigV4? = nil, followRedirects: Bool = true
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.connectTimeout = connectTimeout
    self.timeout = timeout
    self.freshConnection = freshConnection
    self.maxBodyBytes = maxBodyBytes
    self.stallTimeout = stallTimeout
    self.upload = upload
    self.signing = signing
    self.followRedirects = followRedirects
  }
}

extension Duration {
  /// Whole milliseconds, at least 1, for libcurl's `_MS` options.
  var curlMilliseconds: Int {
    let (seconds, attoseconds) = components
    return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
  }
}
