import Testing

@testable import SwapSyncKit

@Suite("URLPolicy", .timeLimit(.minutes(3)))
struct URLPolicyTests {
  @Test(
    "acceptable URLs",
    arguments: [
      "https://img.example.com/a.jpg", "HTTPS://IMG.EXAMPLE.COM/A.JPG", "https://img.example.com",
      "https://img.example.com:8443/x?y=1&z=%20#frag", "https://[2001:db8::1]/x", "https://[2001:DB8::1]:443",
      "https://127.0.0.1/x", "http://127.0.0.1:8080/x", "http://127.255.255.254/", "http://localhost/x",
      "http://LOCALHOST:9/x", "http://[::1]:8080/x", "http://[0:0:0:0:0:0:0:1]/", "hTTp://[::0:1]/",
      "https://cdn.example.com/att/1/2/a.png?ex=65f&is=1&hm=abc&", "https://img.example.com/faces/alice",
      "https://xn--bcher-kva.example/", "https://under_score.example.com/", "https://example.com./x",
      "https://example.com/@user", "https://example.com/é.jpg",
      // Delimiters are bytes, as libcurl reads them: a combining mark does not hide the "/".
      "https://example.com/\u{301}@user",
    ])
  func accepted(url: String) {
    #expect(URLPolicy.problem(with: url, allowHTTP: false) == nil)
  }

  static let http = URLPolicy.httpNotAllowedMessage

  @Test(
    "rejected URLs and why",
    arguments: [
      ("", "URL is empty"),
      ("http://img.example.com/a.jpg", http),
      ("http://127.0.0.1.nip.io/", http),
      ("http://localhost.example.com/", http),
      ("http://[::2]/", http),
      ("http://[::ffff:127.0.0.1]/", http),
      // libcurl reads these as 127.0.0.1; a host written otherwise than it is read is refused.
      (
        "http://0177.0.0.1/",
        #"URL host "0177.0.0.1" is read as "127.0.0.1" by libcurl; write the host plainly"#
      ),
      (
        "https://2130706433/",
        #"URL host "2130706433" is read as "127.0.0.1" by libcurl; write the host plainly"#
      ),
      ("http://127.1/", #"URL host "127.1" is read as "127.0.0.1" by libcurl; write the host plainly"#),
      ("ftp://img.example.com/a.jpg", "not an https URL (scheme \"ftp\" is not allowed)"),
      ("file:///etc/passwd", "not an https URL (scheme \"file\" is not allowed)"),
      ("FILE:///etc/passwd", "not an https URL (scheme \"FILE\" is not allowed)"),
      ("data:image/png;base64,AAAA", "not an https URL (scheme \"data\" is not allowed)"),
      ("javascript:alert(1)", "not an https URL (scheme \"javascript\" is not allowed)"),
      ("//img.example.com/a.jpg", "not an absolute URL (it must start with https://)"),
      ("/faces/a.jpg", "not an absolute URL (it must start with https://)"),
      ("img.example.com/a.jpg", "not an absolute URL (it must start with https://)"),
      ("1https://x/", "not an absolute URL (it must start with https://)"),
      ("https://", "URL has no host"),
      ("https:///a.jpg", "URL has no host"),
      ("https://:443/", "URL has no host"),
      ("https:img.example.com/a", "URL has no host (expected \"https://host/...\")"),
      ("https:/img.example.com/a", "URL has no host (expected \"https://host/...\")"),
      ("https://user@img.example.com/", "URL must not contain credentials"),
      ("https://user:pw@img.example.com/", "URL must not contain credentials"),
      ("https://img.example.com/a b.jpg", "URL contains whitespace or control characters"),
      (" https://img.example.com/", "URL contains whitespace or control characters"),
      ("https://img.example.com/\n", "URL contains whitespace or control characters"),
      ("https://img.example.com/\u{7F}", "URL contains whitespace or control characters"),
      ("https://img.example.com/\u{200B}", "URL contains whitespace or control characters"),
      ("https://img.example.com/\u{202E}", "URL contains whitespace or control characters"),
      ("https://img.example.com/\u{A0}", "URL contains whitespace or control characters"),
      ("https://img.example.com\\@evil.example/", "URL contains a backslash"),
      ("https://img.example.com:0/", "URL has an invalid port \"0\""),
      ("https://img.example.com:65536/", "URL has an invalid port \"65536\""),
      ("https://img.example.com:/", "URL has an invalid port \"\""),
      ("https://img.example.com:x/", "URL has an invalid port \"x\""),
      ("https://img.example.com:1:2/", "URL has an invalid port \"1:2\""),
      ("https://[::1/", "URL has an invalid IPv6 address (missing \"]\")"),
      ("https://[::1]x/", "URL has an invalid host"),
      ("https://[fe80::1%25eth0]/", "URL has an invalid IPv6 address \"[fe80::1%25eth0]\""),
      ("https://[1:2:3:4:5:6:7:8:9]/", "URL has an invalid IPv6 address \"[1:2:3:4:5:6:7:8:9]\""),
      ("https://[::1::]/", "URL has an invalid IPv6 address \"[::1::]\""),
      (
        "https://bücher.example/",
        "URL has an invalid host \"bücher.example\" (write a non-ASCII name in its xn-- form)"
      ),
      ("https://a..b/", "URL has an invalid host \"a..b\""),
      ("https://a%2eb/", "URL has an invalid host \"a%2eb\""),
    ])
  func rejected(url: String, expected: String) {
    #expect(URLPolicy.problem(with: url, allowHTTP: false) == expected)
  }

  @Test("allowHTTP permits plain http to any host, and nothing else")
  func allowHTTP() {
    #expect(URLPolicy.problem(with: "http://img.example.com/a.jpg", allowHTTP: true) == nil)
    #expect(URLPolicy.problem(with: "HTTP://10.0.0.5:8080/", allowHTTP: true) == nil)
    #expect(URLPolicy.problem(with: "ftp://img.example.com/", allowHTTP: true) != nil)
    #expect(
      URLPolicy.problem(with: "http://u:p@img.example.com/", allowHTTP: true)
        == "URL must not contain credentials")
    #expect(URLPolicy.problem(with: "http:///x", allowHTTP: true) == "URL has no host")
  }

  @Test(
    "loopback hosts",
    arguments: [
      ("localhost", true), ("LocalHost", true), ("127.0.0.1", true), ("127.1.2.3", true),
      ("127.255.255.255", true),
      ("[::1]", true), ("::1", true), ("0:0:0:0:0:0:0:1", true), ("::0:1", true), ("[0000::0001]", true),
      ("128.0.0.1", false), ("126.255.255.255", false), ("127.0.0.256", false), ("127.0.0", false),
      ("127.0.0.1.5", false), ("0127.0.0.1", false), ("127.000.000.001", false), ("::2", false),
      ("::", false),
      ("::ffff:127.0.0.1", false), ("localhost.", false), ("localhost.localdomain", false),
      ("example.com", false),
      ("", false), ("[::1", false), ("[]", false), ("1::1::1", false), ("0.0.0.0", false),
    ])
  func loopback(host: String, expected: Bool) {
    #expect(URLPolicy.isLoopback(host: host) == expected)
  }
}
