import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// Builders for the answers of the gzip, redirect, Retry-After-date and trickle fault kinds.
extension Responses {
  /// `bytes` gzip-compressed, sent with `Content-Encoding: gzip` whatever the client accepts.
  static func gzipped(
    _ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
  ) -> Response {
    do throws(Compression.Failure) {
      var fields = headers
      fields[.contentEncoding] = "gzip"
      return Responses.bytes(
        try Compression.gzip(bytes), contentType: contentType, status: status, headers: fields)
    } catch {
      return Responses.error(.internalServerError, "emulator could not compress: \(error)")
    }
  }

  /// 200 `image/png` with `Content-Encoding: gzip` whose body (`compressed`) decodes to zeros.
  static func gzipBomb(_ compressed: [UInt8]) -> Response {
    var fields = HTTPFields()
    fields[.contentEncoding] = "gzip"
    return Responses.bytes(compressed, contentType: "image/png", headers: fields)
  }

  /// 429 whose `Retry-After` is an IMF-fixdate `seconds` ahead.
  static func tooManyRequests(retryAt seconds: Int) -> Response {
    var fields = HTTPFields()
    fields[.retryAfter] = HTTPDate.secondsFromNow(seconds)
    return Responses.error(.tooManyRequests, "rate limit exceeded, retry later", headers: fields)
  }

  /// 200 `application/json` TTAPI error body where an image was expected.
  static func jsonInsteadOfImage() -> Response {
    Responses.error(.ok, "temporarily unavailable")
  }

  /// Status and headers (with the real Content-Length) at once, then one body byte every
  /// `interval`: a stalled transfer. It stops, closing the connection, as soon as the client's
  /// connection closes or the server shuts down (SIGTERM); `state` counts bodies in progress.
  static func trickle(
    _ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
    interval: Duration, connection: ClientConnection, state: EmulatorState
  ) -> Response {
    var fields = headers
    fields[.contentType] = contentType
    fields[FaultMarker.trickle] = "1"
    let body = ResponseBody(contentLength: bytes.count) { writer in
      await state.trickle(started: true)
      let stopped = await drip(bytes, interval: interval, connection: connection, into: &writer)
      await state.trickle(started: false)
      if let stopped { throw stopped }
      try await writer.finish(nil)
    }
    return Response(status: status, headers: fields, body: body)
  }

  /// Why a trickle stopped early.
  enum TrickleStop: Error {
    case clientGone, shuttingDown
  }

  /// Writes `bytes` one at a time; returns why it stopped early, or nil once all are written.
  private static func drip(
    _ bytes: [UInt8], interval: Duration, connection: ClientConnection,
    into writer: inout any ResponseBodyWriter
  ) async -> (any Error)? {
    for (index, byte) in bytes.enumerated() {
      do {
        if index > 0 { try await pause(interval, connection: connection) }
        try await writer.write(ByteBuffer(bytes: [byte]))
      } catch {
        return error
      }
    }
    return nil
  }

  /// Waits `interval` in short steps, looking between steps whether the client is still there
  /// and whether the server is shutting down: a pause of an hour ends within 50 ms of either.
  private static func pause(_ interval: Duration, connection: ClientConnection) async throws {
    let step = Duration.milliseconds(50)
    var left = interval
    while left > .zero {
      guard connection.isOpen else { throw TrickleStop.clientGone }
      guard !Task.isShuttingDownGracefully else { throw TrickleStop.shuttingDown }
      try await Task.sleep(for: min(step, left))
      left -= step
    }
  }
}
