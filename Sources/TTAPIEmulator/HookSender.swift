import Dispatch

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Minimal blocking HTTP/1.1 client over POSIX sockets, used only for loopback hook calls.
enum HookSender {
  /// Seconds allowed for connect, send and the status line.
  static let timeoutSeconds = 5

  /// POSTs `body` as JSON to `target`; true when the receiver answered 2xx.
  static func post(_ body: String, to target: HookTarget) async -> Bool {
    await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
      DispatchQueue.global().async {
        continuation.resume(returning: postBlocking(body, to: target))
      }
    }
  }

  private static func postBlocking(_ body: String, to target: HookTarget) -> Bool {
    let payload = Array(body.utf8)
    let head =
      "POST \(target.requestTarget) HTTP/1.1\r\n"
      + "Host: \(target.hostHeader)\r\n"
      + "User-Agent: ttapi-emulator\r\n"
      + "Content-Type: application/json\r\n"
      + "Content-Length: \(payload.count)\r\n"
      + "Connection: close\r\n\r\n"
    guard let fd = openConnection(to: target) else { return false }
    defer { close(fd) }
    guard sendAll(fd, Array(head.utf8) + payload) else { return false }
    guard let statusCode = readStatusCode(fd) else { return false }
    return (200..<300).contains(statusCode)
  }

  private static func openConnection(to target: HookTarget) -> Int32? {
    let family: Int32
    switch target.address {
    case .ipv4: family = AF_INET
    case .ipv6: family = AF_INET6
    }
    #if canImport(Glibc)
      let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let fd = socket(family, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { return nil }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    let size = socklen_t(MemoryLayout<timeval>.size)
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
    let connected: Bool
    switch target.address {
    case .ipv4(let literal):
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = target.port.bigEndian
      guard inet_pton(AF_INET, literal, &address.sin_addr) == 1 else {
        close(fd)
        return nil
      }
      connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
      }
    case .ipv6(let literal):
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_port = target.port.bigEndian
      guard inet_pton(AF_INET6, literal, &address.sin6_addr) == 1 else {
        close(fd)
        return nil
      }
      connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
        }
      }
    }
    guard connected else {
      close(fd)
      return nil
    }
    return fd
  }

  #if os(Linux)
    private static let sendFlags = Int32(MSG_NOSIGNAL)
  #else
    private static let sendFlags: Int32 = 0
  #endif

  private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, sendFlags) }
      if sent <= 0 { return false }
      offset += sent
    }
    return true
  }

  /// Reads until the first line is complete and returns its status code.
  private static func readStatusCode(_ fd: Int32) -> Int? {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1_024)
    while !received.contains(UInt8(ascii: "\n")) && received.count < 8_192 {
      let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count <= 0 { break }
      received.append(contentsOf: chunk[0..<count])
    }
    guard let line = String(decoding: received, as: UTF8.self).split(separator: "\r\n").first else {
      return nil
    }
    let fields = line.split(separator: " ")
    guard fields.count >= 2, fields[0].hasPrefix("HTTP/1.") else { return nil }
    return Int(fields[1])
  }
}
