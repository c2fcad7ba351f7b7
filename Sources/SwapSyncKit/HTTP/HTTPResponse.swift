import CCurl
import Foundation
import HTTPTypes

/// A complete HTTP answer: status, header fields (swift-http-types' `HTTPFields`, looked up
/// case-insensitively, repeated fields combined) and body.
public struct HTTPResponse: Sendable {
  public var status: Int
  public var headers: HTTPFields
  public var body: [UInt8]
  /// The URL that answered, after any redirects.
  public var url: String

  public init(status: Int, headers: HTTPFields, body: [UInt8], url: String) {
    self.status = status
    self.headers = headers
    self.body = body
    self.url = url
  }

  /// The server's `Retry-After` as a delay from now, capped at an hour; nil when absent or
  /// unreadable. Both forms of RFC 9110 §10.2.3 are read: delay-seconds and HTTP-date.
  public var retryAfter: Duration? {
    guard let value = headers[.retryAfter] else { return nil }
    return Self.retryDelay(value, now: Date())
  }

  /// `value` of a `Retry-After` field as a delay from `now`: whole seconds, or an HTTP-date in
  /// any of the three formats RFC 9110 §5.6.7 makes recipients accept. A date in the past is 0.
  public static func retryDelay(_ value: String, now: Date) -> Duration? {
    let text = value.trimmingCharacters(in: .whitespaces)
    if let seconds = Int(text) {
      return seconds >= 0 ? .seconds(min(seconds, 3600)) : nil
    }
    for format in httpDateFormats {
      let formatter = DateFormatter()
      formatter.locale = Locale(identifier: "en_US_POSIX")
      formatter.timeZone = TimeZone(identifier: "GMT")
      formatter.dateFormat = format
      if let date = formatter.date(from: text) {
        let seconds = min(max(0, date.timeIntervalSince(now)), 3600)
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
      }
    }
    return nil
  }

  /// IMF-fixdate, then the obsolete RFC 850 and asctime forms.
  private static let httpDateFormats = [
    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy",
  ]
}

/// What a streamed download produced: the body went to a file, hashed on the way.
public struct DownloadResult: Sendable {
  /// Status of the final answer (after redirects).
  public var status: Int
  public var headers: HTTPFields
  /// Bytes written to the file (2xx answers only).
  public var size: Int
  /// Lowercase hex SHA-256 of the bytes written.
  public var sha256: String
  /// The first bytes of the body, for magic-number checks.
  public var prefix: [UInt8]
  /// The last bytes of the body (at most 16), for end-marker checks (`ImageType.hasEndMarker`).
  public var suffix: [UInt8]
  /// The body's end was the server closing the connection: an HTTP/1.x answer with neither
  /// `Content-Length` nor chunked `Transfer-Encoding` (RFC 9112 §6.3, rule 8). Such a body cut
  /// short by a dropped connection looks complete to HTTP; only its contents can tell
  /// (`ImageType.endsWhole`).
  public var endedByClose: Bool
  /// The body of a non-2xx answer (kept in memory, truncated), for messages.
  public var errorBody: [UInt8]
  public var url: String

  /// Whether an answer of this libcurl `CURLINFO_HTTP_VERSION` with these headers has a body
  /// delimited only by the connection's close. HTTP/2 and later frame every body.
  static func endedByClose(httpVersion: Int, headers: HTTPFields) -> Bool {
    guard httpVersion == Int(CURL_HTTP_VERSION_1_0) || httpVersion == Int(CURL_HTTP_VERSION_1_1) else {
      return false
    }
    let chunked = headers[.transferEncoding]?.lowercased().contains("chunked") ?? false
    return headers[.contentLength] == nil && !chunked
  }
}
