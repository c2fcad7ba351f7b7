import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A loopback HTTP/1.1 server that answers every request with `200`, a `Content-Type`, no
/// `Content-Length` and no chunked encoding, then closes the connection: the body ends where the
/// connection does (RFC 9112 §6.3, rule 8). The emulator's HTTP stack always frames its bodies,
/// so this is the server that can cut a result short without any client seeing a broken frame.
/// The body served is `body`, changed by the test between runs. A test may also give the head
/// of the answer (status line and fields, up to the blank line), for a redirect for example.
final class CloseDelimitedServer: @unchecked Sendable {
  static let imageHead = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n"

  let port: Int
  var baseURL: String { "http://127.0.0.1:\(port)" }
  /// The bytes every answer carries; read by the accept thread, written by the test.
  let body: Mutex<[UInt8]>
  /// The status line and header fields of every answer, blank line included.
  private let head: String
  /// The listening socket, closed by `stop()`; the accept thread then ends.
  private let listener: Int32
  private let stopped = Atomic<Bool>(false)

  init(body: [UInt8], head: String = CloseDelimitedServer.imageHead) throws {
    self.body = Mutex(body)
    self.head = head
    (listener, port) = try LoopbackListener.open()
    Thread { [self] in acceptLoop() }.start()
  }

  deinit { stop() }

  /// Stops accepting; a connection being answered finishes.
  func stop() {
    guard !stopped.exchange(true, ordering: .relaxed) else { return }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  private func acceptLoop() {
    while !stopped.load(ordering: .relaxed) {
      let connection = accept(listener, nil, nil)
      if connection < 0 {
        if errno == EINTR { continue }
        return
      }
      answer(connection)
    }
  }

  /// Reads the request head, writes the close-delimited answer, closes.
  private func answer(_ connection: Int32) {
    defer { close(connection) }
    var request: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !request.containsHeadEnd {
      let count = read(connection, &buffer, buffer.count)
      if count <= 0 { return }
      request += buffer[0..<count]
    }
    let bytes = Array(head.utf8) + body.withLock { $0 }
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
      if written <= 0 { return }
      offset += written
    }
  }
}

extension Array where Element == UInt8 {
  /// Whether the bytes so far contain the blank line that ends an HTTP head.
  fileprivate var containsHeadEnd: Bool {
    count >= 4 && indices.dropLast(3).contains { self[$0..<$0 + 4].elementsEqual([13, 10, 13, 10]) }
  }
}
