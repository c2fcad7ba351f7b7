import Foundation
import Testing

@testable import SwapSyncKit

@Suite("cache location and S3 settings", .timeLimit(.minutes(5)))
struct CacheLocationTests {
  static let base = URL(fileURLWithPath: "/work/project", isDirectory: true)

  @Test(
    "locations that parse, and what they mean",
    arguments: [
      ("s3://team-cache", CacheLocation.s3(bucket: "team-cache", prefix: "")),
      ("s3://team-cache/", .s3(bucket: "team-cache", prefix: "")),
      ("s3://team-cache/swaps/v1/", .s3(bucket: "team-cache", prefix: "swaps/v1")),
      ("S3://my.bucket.example/a_b-c.d", .s3(bucket: "my.bucket.example", prefix: "a_b-c.d")),
      ("cache", .folder("/work/project/cache")),
      ("../shared/cache/", .folder("/work/shared/cache")),
      ("/var/cache/swaps", .folder("/var/cache/swaps")),
    ])
  func parses(text: String, expected: CacheLocation) throws {
    #expect(try CacheLocation.parse(text, relativeTo: Self.base).get() == expected)
  }

  @Test(
    "locations refused, with the reason",
    arguments: [
      ("", "must not be empty"),
      ("s3://AKIAEXAMPLE:secret@team-cache/x", "must not contain credentials"),
      ("s3://team-cache:9000/x", "must not contain credentials or an endpoint"),
      ("s3://Team_Cache/x", "is not a valid S3 bucket name"),
      ("s3://ab/x", "is not a valid S3 bucket name"),
      ("s3://-team/x", "is not a valid S3 bucket name"),
      ("s3://team..cache/x", "is not a valid S3 bucket name"),
      ("s3://", "is not a valid S3 bucket name"),
      ("s3://team-cache/a//b", "has an empty"),
      ("s3://team-cache/a/../b", "has an empty"),
      ("s3://team-cache/a b", "may only contain"),
      ("s3://team-cache/a?x=1", "may only contain"),
      ("gs://team-cache/x", "unsupported cache location \"gs://\""),
      ("https://example.com/cache", "unsupported cache location"),
      ("cache\u{7}", "control character"),
    ])
  func refused(text: String, reason: String) {
    let problem = CacheLocation.problem(with: text)
    #expect(problem?.contains(reason) == true, "\(problem ?? "accepted")")
  }

  static let credentials = ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]

  func settings(_ extra: [String: String] = [:], bucket: String = "team-cache", prefix: String = "swaps")
    throws -> S3Settings
  {
    try S3Settings.fromEnvironment(
      bucket: bucket, prefix: prefix, environment: Self.credentials.merging(extra) { $1 }, allowHTTP: false
    ).get()
  }

  @Test("AWS: virtual-hosted in the region; a bucket with dots is path-style; the key sits under the prefix")
  func awsDefaults() throws {
    let plain = try settings(["AWS_REGION": "eu-west-3"])
    #expect(
      plain.url(forKey: plain.key("sha256/ab/abc"))
        == "https://team-cache.s3.eu-west-3.amazonaws.com/swaps/sha256/ab/abc")
    #expect(plain.signing().curlParameter == "aws:amz:eu-west-3:s3")
    let defaulted = try settings(["AWS_DEFAULT_REGION": "us-west-2"], bucket: "my.team", prefix: "")
    #expect(defaulted.url(forKey: defaulted.key("k")) == "https://s3.us-west-2.amazonaws.com/my.team/k")
    #expect(try settings().region == "us-east-1")
  }

  @Test("a custom endpoint is path-style unless told otherwise; a session token is sent and signed")
  func customEndpoint() throws {
    let minio = try settings(["AWS_ENDPOINT_URL": "http://127.0.0.1:9000/", "AWS_SESSION_TOKEN": "tok"])
    #expect(minio.url(forKey: "k") == "http://127.0.0.1:9000/team-cache/k")
    #expect(minio.signing().headers.map(\.name) == ["x-amz-content-sha256", "x-amz-security-token"])
    #expect(minio.signing().headers.first?.value == AWSSigV4.emptyPayloadSHA256)
    let r2 = try settings([
      "AWS_ENDPOINT_URL": "https://acct.r2.example.com", "AWS_ENDPOINT_URL_S3": "https://s3.r2.example.com",
      "AWS_S3_USE_PATH_STYLE": "false",
    ])
    #expect(r2.url(forKey: "k") == "https://team-cache.s3.r2.example.com/k")
  }

  @Test(
    "environment problems are named",
    arguments: [
      ([:], "no S3 credentials"),
      (["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"], "no S3 credentials"),
      (credentials.merging(["AWS_ENDPOINT_URL": "http://minio.example.com:9000"]) { $1 }, "plain http"),
      (credentials.merging(["AWS_ENDPOINT_URL": "ftp://x"]) { $1 }, "not an https URL"),
      (credentials.merging(["AWS_REGION": "eu west"]) { $1 }, "not a region name"),
      (credentials.merging(["AWS_S3_USE_PATH_STYLE": "maybe"]) { $1 }, "expected true or false"),
    ])
  func environmentProblems(environment: [String: String], reason: String) {
    let result = S3Settings.fromEnvironment(
      bucket: "team-cache", prefix: "", environment: environment, allowHTTP: false)
    guard case .failure(let error) = result else {
      Issue.record("accepted")
      return
    }
    #expect(error.message.contains(reason), "\(error.message)")
  }

  @Test("the ledger identity names the endpoint, so another server starts afresh")
  func identity() {
    let location = CacheLocation.s3(bucket: "team-cache", prefix: "p")
    let aws = CacheConfiguration.resolve(location, environment: Self.credentials, allowHTTP: false)
    let minio = CacheConfiguration.resolve(
      location, environment: Self.credentials.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:9000"]) { $1 },
      allowHTTP: false)
    #expect(aws.identity == "s3://team-cache/p")
    #expect(minio.identity == "s3://team-cache/p at http://127.0.0.1:9000")
    // Without credentials the identity is still known (for `status`), the backend is not.
    let offline = CacheConfiguration.resolve(location, environment: [:], allowHTTP: false)
    #expect(offline.identity == aws.identity)
    #expect((try? offline.backend.get()) == nil)
  }

  @Test("objects are addressed by their whole SHA-256 under a two-digit shard")
  func objectKey() {
    let sha = String(repeating: "ab", count: 32)
    let object = CacheObject(sha256: sha, size: 10, imageType: .png)
    #expect(object.relativeKey == "sha256/ab/" + sha)
    #expect(object.contentType == "image/png")
    #expect(object.isWellFormed)
    #expect(!CacheObject(sha256: "../../etc", size: 1, imageType: nil).isWellFormed)
  }
}
