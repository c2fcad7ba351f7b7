/// A parsed hook URL that is safe to call: scheme `http`, literal loopback host, no user info.
struct HookTarget: Sendable, Equatable {
  let address: Loopback.Address
  let port: UInt16
  /// Value for the `Host` header.
  let hostHeader: String
  /// Request target: path plus query, at least `/`.
  let requestTarget: String

  /// Parses `url`; nil when the hook must be skipped (https, remote host, malformed).
  init?(url: String) {
    guard let schemeEnd = url.range(of: "://") else { return nil }
    guard url[..<schemeEnd.lowerBound].lowercased() == "http" else { return nil }
    let rest = url[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    guard !authority.contains("@"), !authority.isEmpty else { return nil }
    var hostPart = Substring(authority)
    var port: UInt16 = 80
    if authority.hasPrefix("[") {
      guard let close = authority.firstIndex(of: "]") else { return nil }
      hostPart = authority[...close]
      let after = authority[authority.index(after: close)...]
      if !after.isEmpty {
        guard after.hasPrefix(":"), let value = UInt16(after.dropFirst()), value > 0 else { return nil }
        port = value
      }
    } else if let colon = authority.lastIndex(of: ":") {
      hostPart = authority[..<colon]
      guard let value = UInt16(authority[authority.index(after: colon)...]), value > 0 else { return nil }
      port = value
    }
    guard let address = Loopback.address(for: String(hostPart)) else { return nil }
    var target = String(rest[authorityEnd...])
    if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
    if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
    guard !target.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else { return nil }
    self.address = address
    self.port = port
    self.hostHeader = "\(address.urlHost):\(port)"
    self.requestTarget = target
  }
}
