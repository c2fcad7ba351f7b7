import Foundation

/// The body of a submit answer, decoded leniently (field drift: docs/http.md).
struct SubmitAnswer: Decodable, Equatable {
  var status: String?
  var message: String?
  var jobId: String?

  init(from decoder: any Decoder) throws {
    let top = try decoder.container(keyedBy: AnyCodingKey.self)
    status = top.lenientString("status")
    message = top.lenientString("message")
    jobId =
      top.lenientObject("data")?.lenientString("jobId", "job_id")
      ?? top.lenientString("jobId", "job_id")
  }
}

/// The body of a fetch answer (also what TTAPI posts to `hookUrl`), decoded leniently.
struct FetchAnswer: Decodable, Equatable {
  /// The largest cost read from an answer: sums over a run's jobs then cannot overflow.
  static let maxQuota = 1_000_000_000
  var status: String?
  var message: String?
  var jobId: String?
  var cdnImage: String?
  var discordImage: String?
  var quota: Int?

  init(from decoder: any Decoder) throws {
    let top = try decoder.container(keyedBy: AnyCodingKey.self)
    status = top.lenientString("status")
    message = top.lenientString("message")
    let data = top.lenientObject("data")
    jobId = top.lenientString("jobId", "job_id") ?? data?.lenientString("jobId", "job_id")
    cdnImage = data?.lenientString("cdnImage")
    discordImage = data?.lenientString("discordImage")
    // A negative cost, or one past any real price, is no cost swapsync can record or add up
    // (docs/lockfile.md): read as not reported.
    quota = data?.lenientInt("quota").flatMap { (0...Self.maxQuota).contains($0) ? $0 : nil }
  }

  /// Result URLs to try, best first: `cdnImage`, then a distinct `discordImage`.
  var resultURLs: [String] {
    var urls: [String] = []
    for url in [cdnImage, discordImage].compactMap({ $0 }) where !url.isEmpty && !urls.contains(url) {
      urls.append(url)
    }
    return urls
  }
}

/// `message` values that carry no information.
func meaningfulMessage(_ message: String?) -> String? {
  guard let message = message?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty,
    message.lowercased() != "success"
  else { return nil }
  return message
}
