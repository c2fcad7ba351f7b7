import Crypto
import Foundation
import Units

/// Signs and checks the expiring result URLs (`/cdn/<id>.png?ex=<hex ms>&sig=<hmac>`).
struct CDNSigner: Sendable {
  private let secret: [UInt8]

  init(seed: UInt64, apiKey: String) {
    secret = Array(SHA256.hash(data: Array("ttapi-emulator cdn \(seed) \(apiKey)".utf8)))
  }

  /// Milliseconds since 1970 right now.
  static func nowMilliseconds() -> UInt64 {
    UInt64(max(0, (Date().timeIntervalSince1970 * 1_000).rounded(.down)))
  }

  /// Signature over the route (`cdn` or `discord`), job id and expiry.
  func signature(route: String, jobId: String, expiryHex: String) -> String {
    let message = Array("\(route)/\(jobId).png?ex=\(expiryHex)".utf8)
    let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
    return mac.prefix(16).map { String(format: "%02x", $0) }.joined()
  }

  /// A fresh signed URL valid for `ttl`.
  func url(base: String, route: String, jobId: String, ttl: Duration) -> String {
    let expiry = CDNSigner.nowMilliseconds() &+ UInt64(max(0, UnitParsing.milliseconds(ttl)))
    let expiryHex = String(expiry, radix: 16)
    let sig = signature(route: route, jobId: jobId, expiryHex: expiryHex)
    return "\(base)/\(route)/\(jobId).png?ex=\(expiryHex)&sig=\(sig)"
  }

  /// Why a presented URL is refused, or nil when it is valid now.
  func refusal(route: String, jobId: String, expiryHex: String?, sig: String?) -> String? {
    guard let expiryHex, let sig, let expiry = UInt64(expiryHex, radix: 16) else {
      return "missing or malformed ex/sig"
    }
    guard constantTimeEqual(signature(route: route, jobId: jobId, expiryHex: expiryHex), sig) else {
      return "bad signature"
    }
    if CDNSigner.nowMilliseconds() > expiry { return "url expired" }
    return nil
  }

  private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
  }
}
