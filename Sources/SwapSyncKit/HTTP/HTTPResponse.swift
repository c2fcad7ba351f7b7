import Foundation

/// A complete HTTP answer: status, header fields (names lowercased) and body.
public struct HTTPResponse: Sendable {
  public var status: Int
  public var headers: [String: String]
  public var body: [UInt8]
  /// The URL that answered, after any redirects.
  public var url: String

  public init(status: Int, headers: [String: String], body: [UInt8], url: String) {
    self.status = status
    self.headers = headers
    self.body = body
    self.url = url
  }

  /// `Retry-After` in seconds, when the server sent one as a number.
  public var retryAfter: Duration? {
    guard let value = headers["retry-after"], let seconds = Int(value.trimmingCharacters(in: .whitespaces)),
      seconds >= 0
    else { return nil }
    return .seconds(min(seconds, 3600))
  }
}

/// What a streamed download produced: the body went to a file, hashed on the way.
public struct DownloadResult: Sendable {
  /// Status of the final answer (after redirects).
  public var status: Int
  public var headers: [String: String]
  /// Bytes written to the file (2xx answers only).
  public var size: Int
  /// Lowercase hex SHA-256 of the bytes written.
  public var sha256: String
  /// The first bytes of the body, for magic-number checks.
  public var prefix: [UInt8]
  /// The body of a non-2xx answer (kept in memory, truncated), for messages.
  public var errorBody: [UInt8]
  public var url: String
}
