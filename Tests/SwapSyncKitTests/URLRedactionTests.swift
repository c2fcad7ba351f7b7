import Testing

@testable import SwapSyncKit

@Suite("URL redaction", .timeLimit(.minutes(3)))
struct URLRedactionTests {
  @Test(
    "a URL is shown without its query and fragment",
    arguments: [
      (
        "http://10.99.0.1:8099/discord/SWAP-FACE-1.png?ex=1a22dcdb958&sig=468c",
        "http://10.99.0.1:8099/discord/SWAP-FACE-1.png?…"
      ),
      ("https://cdn.example.com/a.png#sig=1", "https://cdn.example.com/a.png#…"),
      ("https://cdn.example.com/a.png?ex=1#frag", "https://cdn.example.com/a.png?…"),
      ("https://cdn.example.com/a.png#frag?ex=1&sig=2", "https://cdn.example.com/a.png#…"),
      ("https://cdn.example.com?sig=1", "https://cdn.example.com?…"),
      ("https://cdn.example.com/é.png?\u{301}sig=1", "https://cdn.example.com/é.png?…"),
      ("https://cdn.example.com/a.png?", "https://cdn.example.com/a.png?…"),
      ("https://cdn.example.com/a.png", "https://cdn.example.com/a.png"),
      ("(no Location)", "(no Location)"),
    ])
  func redacted(_ url: String, _ shown: String) {
    #expect(HTTPEngine.redacted(url) == shown)
  }

  @Test("a refused URL's message names it without its query")
  func refusedURLDescription() {
    let error = HTTPError.refusedURL(
      "http://10.99.0.1:8099/x.png?ex=1a22dcdb958&sig=468c", reason: URLPolicy.httpNotAllowedMessage)
    #expect(
      error.description == "refused URL http://10.99.0.1:8099/x.png?…: \(URLPolicy.httpNotAllowedMessage)")
    #expect(!error.description.contains("sig="))
  }
}
