import Foundation

/// How to reach one S3 bucket: endpoint, region, addressing style and credentials, all from the
/// standard AWS environment variables (docs/cache.md). Nothing here is ever written to disk.
public struct S3Settings: Sendable {
  public var bucket: String
  /// Key prefix without leading or trailing slash; may be empty.
  public var prefix: String
  public var region: String
  /// `scheme://host[:port][/path]`, without a trailing slash.
  public var endpoint: String
  /// Path-style (`endpoint/bucket/key`) rather than virtual-hosted (`bucket.host/key`) URLs.
  public var pathStyle: Bool
  public var accessKeyID: String
  public var secretAccessKey: String
  public var sessionToken: String?

  /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` (or
  /// `AWS_DEFAULT_REGION`, default `us-east-1`), `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`
  /// (default `https://s3.REGION.amazonaws.com`) and `AWS_S3_USE_PATH_STYLE` (`true`/`false`;
  /// default: path-style for a custom endpoint or a bucket name with dots, else virtual-hosted).
  ///
  /// - Returns: the settings, or a message saying what is missing or wrong.
  public static func fromEnvironment(
    bucket: String, prefix: String, environment: [String: String], allowHTTP: Bool
  ) -> Result<S3Settings, CacheLocationError> {
    func value(_ name: String) -> String? {
      guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
        return nil
      }
      return text
    }
    guard let key = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
      return .failure(
        CacheLocationError(
          message: "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            + "(and AWS_SESSION_TOKEN for temporary credentials)"))
    }
    let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
    guard region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
      return .failure(CacheLocationError(message: "AWS_REGION \"\(region)\" is not a region name"))
    }
    let custom = customEndpoint(environment)
    var endpoint = custom ?? "https://s3.\(region).amazonaws.com"
    while endpoint.hasSuffix("/") { endpoint.removeLast() }
    if let problem = URLPolicy.problem(with: endpoint, allowHTTP: allowHTTP) {
      return .failure(CacheLocationError(message: "S3 endpoint \(endpoint): \(problem)"))
    }
    if endpoint.contains("?") || endpoint.contains("#") {
      return .failure(
        CacheLocationError(message: "S3 endpoint \(endpoint): must not have a query or fragment"))
    }
    let pathStyle: Bool
    switch value("AWS_S3_USE_PATH_STYLE")?.lowercased() {
    case "true"?, "1"?, "yes"?: pathStyle = true
    case "false"?, "0"?, "no"?: pathStyle = false
    case nil: pathStyle = custom != nil || bucket.contains(".")
    case let other?:
      return .failure(
        CacheLocationError(message: "AWS_S3_USE_PATH_STYLE \"\(other)\": expected true or false"))
    }
    return .success(
      S3Settings(
        bucket: bucket, prefix: prefix, region: region, endpoint: endpoint, pathStyle: pathStyle,
        accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN")))
  }

  /// The object key for `relativeKey` (`sha256/ab/<hex>`) under the prefix.
  public func key(_ relativeKey: String) -> String {
    prefix.isEmpty ? relativeKey : prefix + "/" + relativeKey
  }

  /// The URL of an object. Keys hold only characters that need no escaping.
  public func url(forKey key: String) -> String {
    if pathStyle { return "\(endpoint)/\(bucket)/\(key)" }
    guard let schemeEnd = endpoint.range(of: "://") else { return "\(endpoint)/\(bucket)/\(key)" }
    let scheme = endpoint[..<schemeEnd.upperBound]
    return "\(scheme)\(bucket).\(endpoint[schemeEnd.upperBound...])/\(key)"
  }

  /// The signature settings for a request whose body hashes to `payloadSHA256`.
  func signing(payloadSHA256: String = AWSSigV4.emptyPayloadSHA256) -> AWSSigV4 {
    AWSSigV4(
      region: region, service: "s3", accessKeyID: accessKeyID, secretAccessKey: secretAccessKey,
      sessionToken: sessionToken, payloadSHA256: payloadSHA256)
  }

  /// The custom endpoint named by the environment, if any (no credentials needed to know it).
  static func customEndpoint(_ environment: [String: String]) -> String? {
    for name in ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"] {
      if let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return text }
    }
    return nil
  }
}
