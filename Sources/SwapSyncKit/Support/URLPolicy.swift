import CCurl

/// The one URL rule (docs/manifest.md, "URLs"): absolute `https`, or plain `http` only to loopback
/// hosts unless allowed.
///
/// Used for manifest URLs, `hookUrl`, `--api-base` and server-supplied result URLs, so it is strict:
/// no credentials, no whitespace or control characters, no backslashes, a well-formed host and port.
/// The host judged is the one libcurl will connect to: the URL is also parsed with libcurl's
/// `curl_url()`, and a URL whose host libcurl reads differently is refused.
public enum URLPolicy {
  /// The message for the http-to-a-remote-host case, shared with callers that phrase it themselves.
  public static let httpNotAllowedMessage =
    "plain http is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost); "
    + "pass --allow-http to permit it"

  /// Nil when `url` is acceptable, else a message saying what is wrong with it.
  public static func problem(with url: String, allowHTTP: Bool) -> String? {
    if url.isEmpty { return "URL is empty" }
    // Printable ASCII (the usual case) has no whitespace or control characters; only other URLs
    // need the Unicode properties, which are slow to look up.
    let printableASCII = url.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    if !printableASCII, url.unicodeScalars.contains(where: { $0.properties.isWhitespace || isControl($0) }) {
      return "URL contains whitespace or control characters"
    }
    // Bytes, not characters, from here on: the delimiters are ASCII, and libcurl reads bytes.
    guard let colon = url.utf8.firstIndex(of: UInt8(ascii: ":")), isScheme(url[..<colon]) else {
      return "not an absolute URL (it must start with https://)"
    }
    let scheme = url[..<colon].lowercased()
    guard scheme == "https" || scheme == "http" else {
      return "not an https URL (scheme \"\(url[..<colon])\" is not allowed)"
    }
    if url.utf8.contains(UInt8(ascii: "\\")) { return "URL contains a backslash" }
    let afterScheme = url[url.index(after: colon)...]
    guard afterScheme.hasPrefix("//") else { return "URL has no host (expected \"\(scheme)://host/...\")" }
    let authorityAndRest = afterScheme.dropFirst(2)
    let end =
      authorityAndRest.utf8.firstIndex {
        $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
      } ?? authorityAndRest.endIndex
    let authority = authorityAndRest[..<end]
    if authority.utf8.contains(UInt8(ascii: "@")) { return "URL must not contain credentials" }
    let host: String
    switch splitHostAndPort(authority) {
    case .failure(let message): return message
    case .success(let parsed): host = parsed
    }
    let curlHost: String
    switch hostAsCurlSeesIt(url) {
    case .failure(let message): return message
    case .success(let parsed): curlHost = parsed
    }
    if !sameHost(curlHost, host) {
      return "URL host \"\(host)\" is read as \"\(curlHost)\" by libcurl; write the host plainly"
    }
    if scheme == "http" && !allowHTTP && !isLoopback(host: curlHost) {
      return httpNotAllowedMessage
    }
    return nil
  }

  /// The host libcurl's URL parser finds in `url` (brackets kept for IPv6), or its complaint.
  private static func hostAsCurlSeesIt(_ url: String) -> HostResult {
    guard let handle = curl_url() else { return .failure("URL could not be parsed (libcurl: out of memory)") }
    defer { curl_url_cleanup(handle) }
    let code = curl_url_set(handle, CURLUPART_URL, url, 0)
    guard code == CURLUE_OK else {
      return .failure("not a valid URL (libcurl: \(String(cString: curl_url_strerror(code))))")
    }
    var part: UnsafeMutablePointer<CChar>?
    guard curl_url_get(handle, CURLUPART_HOST, &part, 0) == CURLUE_OK, let part else {
      return .failure("URL has no host")
    }
    defer { curl_free(part) }
    return .success(String(cString: part))
  }

  /// Whether two spellings name the same host: equal ignoring case and one trailing dot, or the
  /// same IPv6 address.
  private static func sameHost(_ one: String, _ other: String) -> Bool {
    func normalized(_ host: String) -> String {
      let lower = host.lowercased()
      return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
    func v6(_ host: String) -> [UInt16]? {
      guard host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 else { return nil }
      return ipv6Words(String(host.dropFirst().dropLast()))
    }
    if let a = v6(one), let b = v6(other) { return a == b }
    return normalized(one) == normalized(other)
  }

  /// True for `localhost`, IPv4 addresses in 127.0.0.0/8 and the IPv6 loopback `::1` (with or
  /// without brackets, in any valid spelling). Case-insensitive; anything unusual is not loopback.
  public static func isLoopback(host: String) -> Bool {
    var name = host.lowercased()
    if name.hasPrefix("[") && name.hasSuffix("]") && name.count >= 2 {
      name = String(name.dropFirst().dropLast())
    }
    if name == "localhost" { return true }
    if let octets = ipv4Octets(name) { return octets[0] == 127 }
    if let words = ipv6Words(name) { return words == [0, 0, 0, 0, 0, 0, 0, 1] }
    return false
  }

  // MARK: - Pieces

  private enum HostResult {
    case success(String)
    case failure(String)
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
  }

  /// RFC 3986: a letter, then letters, digits, `+`, `-` and `.` (ASCII only).
  private static func isScheme(_ text: Substring) -> Bool {
    func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    guard let first = text.utf8.first, isLetter(first) else { return false }
    return text.utf8.allSatisfy { byte in
      isLetter(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: ".")
    }
  }

  /// Splits `host[:port]` or `[v6][:port]`, checking both; returns the host as written.
  private static func splitHostAndPort(_ authority: Substring) -> HostResult {
    var host: Substring
    var port: Substring?
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else {
        return .failure("URL has an invalid IPv6 address (missing \"]\")")
      }
      host = authority[...close]
      let rest = authority[authority.index(after: close)...]
      if !rest.isEmpty {
        guard rest.hasPrefix(":") else { return .failure("URL has an invalid host") }
        port = rest.dropFirst()
      }
      guard ipv6Words(String(host.dropFirst().dropLast())) != nil else {
        return .failure("URL has an invalid IPv6 address \"\(host)\"")
      }
    } else {
      if let colon = authority.utf8.firstIndex(of: UInt8(ascii: ":")) {
        host = authority[..<colon]
        port = authority[authority.utf8.index(after: colon)...]
      } else {
        host = authority
      }
      if host.isEmpty { return .failure("URL has no host") }
      guard isValidHostName(host) else {
        // An internationalised name is written in its ASCII form (docs/manifest.md).
        let hint =
          host.unicodeScalars.contains { !$0.isASCII } ? " (write a non-ASCII name in its xn-- form)" : ""
        return .failure("URL has an invalid host \"\(host)\"\(hint)")
      }
    }
    if let port {
      guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
        let number = Int(port), (1...65535).contains(number)
      else {
        return .failure("URL has an invalid port \"\(port)\"")
      }
    }
    return .success(String(host))
  }

  /// Host names: ASCII letters, digits, `-`, `.` and `_`; labels not empty (one trailing dot is
  /// allowed). Internationalized names must be written in their `xn--` form.
  private static func isValidHostName(_ host: Substring) -> Bool {
    guard host.utf8.count <= 253 else { return false }
    let trimmed = host.hasSuffix(".") ? host.dropLast() : host
    let labels = trimmed.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    // Bytes, not scalars: every allowed character is ASCII, and Unicode properties are slow to look up.
    return labels.allSatisfy { label in
      !label.isEmpty && label.count <= 63
        && label.allSatisfy { byte in
          (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
  }

  /// Strict dotted-quad IPv4 (four decimal parts 0-255, no leading zeros).
  static func ipv4Octets(_ text: String) -> [UInt8]? {
    let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var octets: [UInt8] = []
    for part in parts {
      guard !part.isEmpty, part.count <= 3, part.allSatisfy({ (0x30...0x39).contains($0) }),
        part.count == 1 || part.first != UInt8(ascii: "0")
      else { return nil }
      let value = part.reduce(0) { $0 * 10 + Int($1 - 0x30) }
      guard value <= 255 else { return nil }
      octets.append(UInt8(value))
    }
    return octets
  }

  /// Parses an IPv6 address (RFC 4291 text forms, incl. `::` and a trailing dotted IPv4) to 8 words.
  /// Zone identifiers (`%eth0`) are rejected.
  static func ipv6Words(_ text: String) -> [UInt16]? {
    guard !text.isEmpty, !text.utf8.contains(UInt8(ascii: "%")) else { return nil }
    let halves = text.components(separatedBy: "::")
    guard halves.count <= 2 else { return nil }
    func words(_ part: String) -> [UInt16]? {
      if part.isEmpty { return [] }
      var result: [UInt16] = []
      let groups = part.split(separator: ":", omittingEmptySubsequences: false)
      for (position, group) in groups.enumerated() {
        if position == groups.count - 1, group.contains("."), let v4 = ipv4Octets(String(group)) {
          result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
          result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
          continue
        }
        guard (1...4).contains(group.count), group.allSatisfy(\.isHexDigit),
          let value = UInt16(group, radix: 16)
        else { return nil }
        result.append(value)
      }
      return result
    }
    guard let head = words(halves[0]) else { return nil }
    if halves.count == 1 { return head.count == 8 ? head : nil }
    guard let tail = words(halves[1]), head.count + tail.count <= 7 else { return nil }
    return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
  }
}
