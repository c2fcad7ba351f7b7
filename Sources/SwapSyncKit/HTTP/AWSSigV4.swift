/// AWS Signature Version 4 for one request, computed by libcurl (`CURLOPT_AWS_SIGV4`): swapsync
/// never signs by hand. See docs/cache.md for where the credentials come from.
public struct AWSSigV4: Sendable {
  public var region: String
  /// The signing name of the service: `s3`.
  public var service: String
  public var accessKeyID: String
  public var secretAccessKey: String
  /// A temporary session token (`AWS_SESSION_TOKEN`), sent as `x-amz-security-token`.
  public var sessionToken: String?
  /// Lowercase hex SHA-256 of the request body, sent as `x-amz-content-sha256` and signed. S3
  /// wants it on every signed request, and libcurl 7.88 does not add it to a GET by itself.
  public var payloadSHA256: String

  /// SHA-256 of no bytes: the payload hash of GET and HEAD.
  public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

  public init(
    region: String, service: String, accessKeyID: String, secretAccessKey: String,
    sessionToken: String? = nil, payloadSHA256: String = AWSSigV4.emptyPayloadSHA256
  ) {
    self.region = region
    self.service = service
    self.accessKeyID = accessKeyID
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
    self.payloadSHA256 = payloadSHA256
  }

  /// The value of `CURLOPT_AWS_SIGV4`: `aws:amz:REGION:SERVICE`.
  var curlParameter: String { "aws:amz:\(region):\(service)" }

  /// Header fields that belong to the signature.
  var headers: [(name: String, value: String)] {
    var fields = [(name: "x-amz-content-sha256", value: payloadSHA256)]
    if let sessionToken { fields.append((name: "x-amz-security-token", value: sessionToken)) }
    return fields
  }
}
