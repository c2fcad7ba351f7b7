#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Loopback checks done on literal addresses only: the emulator never resolves names.
public enum Loopback {
  /// A literal loopback address: IPv4 127.0.0.0/8 or IPv6 ::1.
  public enum Address: Sendable, Equatable {
    case ipv4(String)
    case ipv6(String)

    /// Host part for a URL (`127.0.0.1` or `[::1]`).
    public var urlHost: String {
      switch self {
      case .ipv4(let text): return text
      case .ipv6(let text): return "[\(text)]"
      }
    }

    /// Literal for binding / connecting.
    public var literal: String {
      switch self {
      case .ipv4(let text), .ipv6(let text): return text
      }
    }
  }

  /// Maps `localhost`, 127.x.y.z, `::1` or `[::1]` to a loopback literal; nil for anything else.
  public static func address(for host: String) -> Address? {
    var name = host.lowercased()
    if name == "localhost" || name == "localhost." { return .ipv4("127.0.0.1") }
    if name.hasPrefix("[") && name.hasSuffix("]") {
      name = String(name.dropFirst().dropLast())
    }
    var v4 = in_addr()
    if inet_pton(AF_INET, name, &v4) == 1 {
      let firstOctet = UInt32(bigEndian: v4.s_addr) >> 24
      return firstOctet == 127 ? .ipv4(name) : nil
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, name, &v6) == 1 {
      let bytes = withUnsafeBytes(of: &v6) { Array($0) }
      let isLoopback = bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
      return isLoopback ? .ipv6("::1") : nil
    }
    return nil
  }
}
