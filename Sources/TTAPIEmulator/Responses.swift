import HTTPTypes
import Hummingbird

/// Internal response headers that the `FaultChannelHandler` turns into broken connections.
enum FaultMarker {
  /// Close the connection instead of writing the response.
  static let drop = HTTPField.Name("x-emulator-drop")!
  /// Write the head and only this many body bytes, then close.
  static let truncate = HTTPField.Name("x-emulator-truncate")!
  /// A slow body follows: ask the socket for a read so that the client's close is noticed.
  static let trickle = HTTPField.Name("x-emulator-trickle")!
}

/// Builders for the responses the emulator sends.
enum Responses {
  static let queueFullStatus = HTTPResponse.Status(code: 499, reasonPhrase: "Queue Full")

  static func json(_ value: EmulatorJSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
    -> Response
  {
    bytes(Array(value.serialized.utf8), contentType: "application/json", status: status, headers: headers)
  }

  /// TTAPI's error body `{"status":"FAILED","message":...,"data":null}`.
  static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
    json(errorBody(message), status: status, headers: headers)
  }

  static func errorBody(_ message: String) -> EmulatorJSON {
    .object([("status", .string("FAILED")), ("message", .string(message)), ("data", .null)])
  }

  static func bytes(
    _ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
  ) -> Response {
    var fields = headers
    fields[.contentType] = contentType
    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  static func text(_ text: String, status: HTTPResponse.Status) -> Response {
    bytes(Array(text.utf8), contentType: "text/plain; charset=utf-8", status: status)
  }

  static func html(_ title: String, status: HTTPResponse.Status) -> Response {
    let page =
      "<!DOCTYPE html>\n<html><head><title>\(title)</title></head>\n"
      + "<body><center><h1>\(title)</h1></center><hr><center>nginx</center></body></html>\n"
    return bytes(Array(page.utf8), contentType: "text/html; charset=utf-8", status: status)
  }

  static func redirect(to location: String, status: HTTPResponse.Status = .found) -> Response {
    var fields = HTTPFields()
    fields[.location] = location
    return bytes([], contentType: "text/plain", status: status, headers: fields)
  }

  /// A response that is never written: the connection is closed instead.
  static func dropConnection() -> Response {
    var fields = HTTPFields()
    fields[FaultMarker.drop] = "1"
    return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer()))
  }

  /// Marks `response` so only `keep` body bytes leave before the connection closes.
  static func truncated(_ response: Response, keep: Int?) -> Response {
    var copy = response
    let full = response.body.contentLength ?? 0
    let limit = max(0, min(keep ?? full / 2, max(full - 1, 0)))
    copy.headers[FaultMarker.truncate] = String(limit)
    return copy
  }

  /// 200 `image/png` of `size` bytes that starts with the PNG signature, streamed in chunks.
  static func oversizePNG(size: Int) -> Response {
    var fields = HTTPFields()
    fields[.contentType] = "image/png"
    let body = ResponseBody(contentLength: size) { writer in
      let chunkSize = 64 * 1_024
      let head = ByteBuffer(bytes: PNGEncoder.signature.prefix(size))
      var sent = head.readableBytes
      if sent > 0 { try await writer.write(head) }
      let zeros = ByteBuffer(repeating: 0, count: chunkSize)
      while sent < size {
        let count = min(chunkSize, size - sent)
        try await writer.write(count == chunkSize ? zeros : ByteBuffer(repeating: 0, count: count))
        sent += count
      }
      try await writer.finish(nil)
    }
    return Response(status: .ok, headers: fields, body: body)
  }
}
