#if canImport(Glibc)
  import Glibc
#endif

/// A TCP socket listening on 127.0.0.1 at a free port. Until it is accepted from, the kernel
/// still completes up to 16 connections: a server that takes them and never answers.
enum LoopbackListener {
  /// The listening descriptor (the caller closes it) and its port.
  static func open() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FaultSupportError.socket(errno) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ready = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
        bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
      }
    }
    guard ready else {
      let code = errno
      close(fd)
      throw FaultSupportError.socket(code)
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
  }
}
