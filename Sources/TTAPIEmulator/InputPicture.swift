import Crypto

/// What the emulator pictures behind an input URL; it never fetches one.
///
/// Sample names tell their kind: `face-NAME` is a cartoon face and `target-NAME` is a scene
/// (NAME: 1 to 64 of `a-z 0-9 - _`). A URL on a loopback host whose path is
/// `/samples/face-NAME.png` or `/samples/target-NAME.png` is one of the emulator's own samples,
/// whatever its port, so results do not change when the emulator restarts on another port. Any
/// other URL gets a picture derived from a SHA-256 of the whole URL, of the kind its place in
/// the job calls for (a scene for `targetImage`, a face for `swapImage`).
struct InputPicture: Sendable {
  enum Kind: Sendable { case scene, face }

  let kind: Kind
  /// SHA-256 of the sample name or of the URL.
  let seed: [UInt8]
  /// The sample name, when the URL is one of the emulator's samples.
  let sampleName: String?
  /// Identifies the input for result bytes: the sample name plus the URL's query for a sample
  /// (`?v=N` variants stay distinct), the whole URL otherwise.
  let identity: String

  /// The kind a sample name announces, or nil when the name is not a sample name.
  static func kind(ofSample name: String) -> Kind? {
    let (kind, rest): (Kind, Substring)
    if name.hasPrefix("face-") {
      (kind, rest) = (.face, name.dropFirst(5))
    } else if name.hasPrefix("target-") {
      (kind, rest) = (.scene, name.dropFirst(7))
    } else {
      return nil
    }
    let allowed = rest.utf8.allSatisfy { byte in
      (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
    return allowed && (1...64).contains(rest.utf8.count) ? kind : nil
  }

  /// The picture of sample `name`, or nil when it is not a sample name.
  init?(sampleNamed name: String) {
    guard let kind = Self.kind(ofSample: name) else { return nil }
    self.init(
      kind: kind, seed: Array(SHA256.hash(data: Array("sample:\(name)".utf8))), sampleName: name,
      identity: "sample:\(name)")
  }

  /// The picture behind an input URL; `kind` applies when the URL is not a sample.
  init(url: String, kind: Kind) {
    if let (name, query) = Self.sample(in: url), let sample = InputPicture(sampleNamed: name) {
      self.init(
        kind: sample.kind, seed: sample.seed, sampleName: name,
        identity: query.map { "sample:\(name)?\($0)" } ?? sample.identity)
    } else {
      self.init(
        kind: kind, seed: Array(SHA256.hash(data: Array("url:\(url)".utf8))), sampleName: nil,
        identity: "url:\(url)")
    }
  }

  private init(kind: Kind, seed: [UInt8], sampleName: String?, identity: String) {
    self.kind = kind
    self.seed = seed
    self.sampleName = sampleName
    self.identity = identity
  }

  /// Sample name and query of an `http(s)://LOOPBACK[:PORT]/samples/NAME.png[?QUERY]` URL.
  static func sample(in url: String) -> (String, String?)? {
    let lower = url.lowercased()
    let rest: Substring
    if lower.hasPrefix("http://") {
      rest = url.dropFirst(7)
    } else if lower.hasPrefix("https://") {
      rest = url.dropFirst(8)
    } else {
      return nil
    }
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    var afterAuthority = rest.dropFirst(authority.count)
    if let hash = afterAuthority.firstIndex(of: "#") { afterAuthority = afterAuthority[..<hash] }
    let path = afterAuthority.prefix { $0 != "?" }
    let query = afterAuthority.dropFirst(path.count).dropFirst()
    guard Loopback.address(for: host(of: authority)) != nil, path.hasPrefix("/samples/"),
      path.hasSuffix(".png")
    else { return nil }
    let name = String(path.dropFirst(9).dropLast(4))
    guard kind(ofSample: name) != nil else { return nil }
    return (name, query.isEmpty ? nil : String(query))
  }

  /// The host of `[user@]host[:port]`, brackets kept for IPv6 literals.
  private static func host(of authority: Substring) -> String {
    let hostPort = authority.split(separator: "@").last ?? authority
    if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
      return String(hostPort[...close])
    }
    return String(hostPort.prefix { $0 != ":" })
  }
}
