import Foundation
import Testing

/// The emulator's fault kinds gzip, gzipBomb, successWithoutURL, jsonBody, retryAfterDate and
/// redirect, read off the wire with `curl` (no decoding, no redirects followed), with their
/// stats counters. Trickle has its own suite (EmulatorTrickleTests), and so has the `--fault`
/// syntax (EmulatorFaultSyntaxTests).
@Suite("emulator fault kinds", .timeLimit(.minutes(5)))
struct EmulatorFaultKindTests {
  static func faults(_ specs: String...) -> [String] { specs.flatMap { ["--fault", $0] } }

  @Test("gzip: submit, fetch, cdn and discord bodies come gzip-compressed, asked for or not")
  func gzip() async throws {
    let emulator = try await Emulator(
      arguments: Self.faults("submit:gzip#1", "fetch:gzip#1", "cdn:gzip#1", "discord:gzip#1"))
    let base = emulator.baseURL
    let body = Wire.submitBody(target: emulator.sample("target-beach"), face: emulator.sample("face-alice"))
    let submitted = try await Wire.curlPost(base + "/insightFace/v1/swap", json: body)
    #expect(submitted.code == 200 && submitted.header("Content-Encoding") == "gzip")
    #expect(submitted.header("Content-Type") == "application/json")
    #expect(Wire.object(submitted.body) == nil, "the body went out uncompressed")
    let jobId = try #require(
      Wire.field(Wire.object(try await Wire.gunzip(submitted.body)), "data", "jobId") as? String)
    try await emulator.finishAllJobs()

    let fetched = try await Wire.curlPost(base + "/insightFace/v1/fetch", json: #"{"jobId":"\#(jobId)"}"#)
    #expect(fetched.code == 200 && fetched.header("Content-Encoding") == "gzip")
    let answer = Wire.object(try await Wire.gunzip(fetched.body))
    #expect(Wire.field(answer, "status") as? String == "SUCCESS")
    let cdn = try #require(Wire.field(answer, "data", "cdnImage") as? String)
    let discord = try #require(Wire.field(answer, "data", "discordImage") as? String)

    // "Accept-Encoding: identity" says "do not compress"; the fault compresses anyway.
    let packedCDN = try await Wire.curl(cdn, ["-H", "Accept-Encoding: identity"])
    let packedDiscord = try await Wire.curl(discord)
    for packed in [packedCDN, packedDiscord] {
      #expect(packed.code == 200 && packed.header("Content-Encoding") == "gzip")
      #expect(packed.header("Content-Type") == "image/png")
      #expect(packed.header("Content-Length") == String(packed.body.count))
    }
    // Each fault was #1: the same URLs now answer plainly, with the bytes the gzip bodies decode to.
    let plain = try await Wire.curl(cdn)
    #expect(plain.code == 200 && plain.header("Content-Encoding") == nil)
    #expect(Array(plain.body.prefix(8)) == Wire.pngSignature)
    #expect(packedCDN.body != plain.body)
    #expect(try await Wire.gunzip(packedCDN.body) == plain.body)
    #expect(try await Wire.gunzip(packedDiscord.body) == plain.body)
    let plainFetch = try await Wire.curlPost(base + "/insightFace/v1/fetch", json: #"{"jobId":"\#(jobId)"}"#)
    #expect(plainFetch.header("Content-Encoding") == nil && Wire.object(plainFetch.body) != nil)
    for key in ["submit:gzip", "fetch:gzip", "cdn:gzip", "discord:gzip"] {
      #expect(try await Wire.faults(emulator, key) == 1, "\(key)")
    }
  }

  @Test("gzipBomb: a small gzip body that decodes to 256 MiB of zeros (or the size asked for)")
  func gzipBomb() async throws {
    let emulator = try await Emulator(arguments: Self.faults("cdn:gzipBomb", "discord:gzipBomb:1MiB"))
    let bomb = try await Wire.curl(emulator.baseURL + "/cdn/x.png")
    #expect(bomb.code == 200 && bomb.header("Content-Encoding") == "gzip")
    #expect(bomb.header("Content-Type") == "image/png")
    #expect(bomb.header("Content-Length") == String(bomb.body.count))
    #expect(bomb.body.count < 1 << 20, "\(bomb.body.count) bytes on the wire")
    let decoded = try await Wire.gunzipCounts(bomb.body)
    #expect(decoded.size == 256 << 20 && decoded.nonZero == 0)

    let small = try await Wire.curl(emulator.baseURL + "/discord/x.png")
    #expect(small.code == 200 && small.header("Content-Encoding") == "gzip")
    let smallDecoded = try await Wire.gunzipCounts(small.body)
    #expect(smallDecoded.size == 1 << 20 && smallDecoded.nonZero == 0)
    #expect(try await Wire.faults(emulator, "cdn:gzipBomb") == 1)
    #expect(try await Wire.faults(emulator, "discord:gzipBomb") == 1)
  }

  @Test("successWithoutURL#2: the first two SUCCESS answers carry no result URL, later ones do")
  func successWithoutURL() async throws {
    let emulator = try await Emulator(
      arguments: ["--job-duration", "1h"] + Self.faults("fetch:successWithoutURL#2"))
    let jobId = try await Wire.submit(
      emulator, target: emulator.sample("target-park"), face: emulator.sample("face-bob"))
    // A job still running does not use up the count.
    let running = try await Wire.fetch(emulator, jobId: jobId)
    #expect(Wire.field(running, "status") as? String == "PENDING_QUEUE")
    #expect(try await Wire.faults(emulator, "fetch:successWithoutURL") == 0)
    try await emulator.finishAllJobs()
    for round in 1...2 {
      let answer = try await Wire.fetch(emulator, jobId: jobId)
      #expect(Wire.field(answer, "status") as? String == "SUCCESS", "fetch \(round)")
      let data = try #require(Wire.field(answer, "data") as? [String: Any])
      #expect(data["cdnImage"] is NSNull, "fetch \(round): \(data)")
      #expect(!data.keys.contains("discordImage"), "fetch \(round): \(data)")
    }
    let later = try await Wire.fetch(emulator, jobId: jobId)
    #expect((Wire.field(later, "data", "cdnImage") as? String)?.contains("/cdn/") == true)
    #expect((Wire.field(later, "data", "discordImage") as? String)?.contains("/discord/") == true)
    #expect(try await Wire.faults(emulator, "fetch:successWithoutURL") == 2)
  }

  @Test("jsonBody: 200 application/json with a TTAPI error body instead of the image")
  func jsonBody() async throws {
    let emulator = try await Emulator(arguments: Self.faults("cdn:jsonBody", "discord:jsonBody"))
    for route in ["cdn", "discord"] {
      let answer = try await Wire.curl("\(emulator.baseURL)/\(route)/x.png")
      #expect(answer.code == 200 && answer.header("Content-Type") == "application/json", "\(route)")
      #expect(
        String(decoding: answer.body, as: UTF8.self)
          == #"{"status":"FAILED","message":"temporarily unavailable","data":null}"#)
      #expect(try await Wire.faults(emulator, "\(route):jsonBody") == 1)
    }
  }

  @Test("retryAfterDate sends an IMF-fixdate SECONDS ahead; http429 keeps sending whole seconds")
  func retryAfter() async throws {
    let emulator = try await Emulator(
      arguments: Self.faults(
        "submit:retryAfterDate:5#1", "submit:http429:7#1", "fetch:http429#1", "cdn:retryAfterDate"))
    let body = Wire.submitBody(target: emulator.sample("target-beach"), face: emulator.sample("face-alice"))
    let url = emulator.baseURL + "/insightFace/v1/swap"
    let before = Date().timeIntervalSince1970.rounded(.down)
    let dated = try await Wire.curlPost(url, json: body)
    let datedDefault = try await Wire.curl(emulator.baseURL + "/cdn/x.png")
    let after = Date().timeIntervalSince1970.rounded(.up)
    for (answer, seconds) in [(dated, 5.0), (datedDefault, 2.0)] {
      #expect(answer.code == 429)
      let value = try #require(answer.header("Retry-After"))
      let date = try #require(Self.imfFixdate(value), "not an IMF-fixdate: '\(value)'")
      // The date lies SECONDS after some instant between `before` and `after`.
      #expect(date >= before + seconds && date <= after + seconds + 1, "\(value)")
    }
    let seconds = try await Wire.curlPost(url, json: body)
    #expect(seconds.code == 429 && seconds.header("Retry-After") == "7")
    let fetch = try await Wire.curlPost(emulator.baseURL + "/insightFace/v1/fetch", json: #"{"jobId":"x"}"#)
    #expect(fetch.code == 429 && fetch.header("Retry-After") == "1")
    #expect(Wire.field(try await Wire.stats(emulator), "jobsCreated") as? Int == 0)
    #expect(try await Wire.faults(emulator, "submit:retryAfterDate") == 1)
    #expect(try await Wire.faults(emulator, "cdn:retryAfterDate") == 1)
  }

  /// Seconds since 1970 of an IMF-fixdate, or nil when `text` is not exactly one.
  static func imfFixdate(_ text: String) -> Double? {
    let shape =
      #/(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT/#
    guard text.wholeMatch(of: shape) != nil else { return nil }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    // The formatter would accept a wrong weekday; printing the date again must give the same text.
    guard let date = formatter.date(from: text), formatter.string(from: date) == text else { return nil }
    return date.timeIntervalSince1970
  }

  @Test("redirect: a 3xx to BASE/insightFace/v1/elsewhere; a redirected submit creates no job")
  func redirect() async throws {
    let emulator = try await Emulator(arguments: Self.faults("submit:redirect#1", "fetch:redirect:307#1"))
    let base = emulator.baseURL
    let body = Wire.submitBody(target: emulator.sample("target-beach"), face: emulator.sample("face-alice"))
    let moved = try await Wire.curlPost(base + "/insightFace/v1/swap", json: body)
    #expect(moved.code == 308 && moved.header("Location") == base + "/insightFace/v1/elsewhere")
    #expect(Wire.field(try await Wire.stats(emulator), "jobsCreated") as? Int == 0)
    #expect(try await Wire.faults(emulator, "submit:redirect") == 1)

    let created = try await Wire.curlPost(base + "/insightFace/v1/swap", json: body)
    #expect(created.code == 200)
    #expect(Wire.field(try await Wire.stats(emulator), "jobsCreated") as? Int == 1)
    let jobId = try #require(Wire.field(Wire.object(created.body), "data", "jobId") as? String)
    let fetch = try await Wire.curlPost(base + "/insightFace/v1/fetch", json: #"{"jobId":"\#(jobId)"}"#)
    #expect(fetch.code == 307 && fetch.header("Location") == base + "/insightFace/v1/elsewhere")
    #expect(try await Wire.faults(emulator, "fetch:redirect") == 1)
  }
}
