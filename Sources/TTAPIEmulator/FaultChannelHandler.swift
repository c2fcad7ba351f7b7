import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Handler that turns marked responses into broken connections.
///
/// Sits between Hummingbird's HTTP codec and its request handling. A response head carrying
/// `x-emulator-drop` is never written: the channel is closed, so the client sees no answer at
/// all. A head carrying `x-emulator-truncate: N` goes out (with its full Content-Length),
/// followed by only N body bytes, then the channel is closed. A head carrying
/// `x-emulator-trickle` goes out and, until its response ends, a client that closes its side
/// of the connection gets the channel closed: the server half-closes otherwise and the
/// trickle would write on, unnoticed, until its next byte is due.
final class FaultChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPRequestPart
  typealias InboundOut = HTTPRequestPart
  typealias OutboundIn = HTTPResponsePart
  typealias OutboundOut = HTTPResponsePart

  private enum Mode {
    case passThrough
    case discarding
    case truncating(remaining: Int)
  }

  private var mode = Mode.passThrough
  /// A trickled response is being written.
  private var trickling = false
  /// The client closed its side of the connection.
  private var inputClosed = false

  init() {}

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let event = event as? ChannelEvent, event == .inputClosed {
      inputClosed = true
      if trickling { context.close(promise: nil) }
    }
    context.fireUserInboundEventTriggered(event)
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    let part = unwrapOutboundIn(data)
    if case .head(var head) = part {
      if head.headerFields[FaultMarker.drop] != nil {
        mode = .discarding
        promise?.succeed(())
        context.close(promise: nil)
        return
      }
      if let value = head.headerFields[FaultMarker.truncate] {
        head.headerFields[FaultMarker.truncate] = nil
        let keep = max(0, Int(value) ?? 0)
        mode = .truncating(remaining: keep)
        context.write(wrapOutboundOut(.head(head)), promise: promise)
        if keep == 0 { closeAfterFlush(context: context) }
        return
      }
      mode = .passThrough
      if head.headerFields[FaultMarker.trickle] != nil {
        head.headerFields[FaultMarker.trickle] = nil
        trickling = true
        context.write(wrapOutboundOut(.head(head)), promise: promise)
        if inputClosed { closeAfterFlush(context: context) }
        return
      }
      context.write(data, promise: promise)
      return
    }
    if case .end = part { trickling = false }
    switch mode {
    case .passThrough:
      context.write(data, promise: promise)
    case .discarding:
      promise?.succeed(())
    case .truncating(let remaining):
      guard case .body(var buffer) = part else {
        // the body ended before the limit: still close without a proper end
        promise?.succeed(())
        closeAfterFlush(context: context)
        return
      }
      if buffer.readableBytes < remaining {
        mode = .truncating(remaining: remaining - buffer.readableBytes)
        context.write(wrapOutboundOut(.body(buffer)), promise: promise)
        return
      }
      if let slice = buffer.readSlice(length: remaining), slice.readableBytes > 0 {
        context.write(wrapOutboundOut(.body(slice)), promise: nil)
      }
      promise?.succeed(())
      closeAfterFlush(context: context)
    }
  }

  /// Flushes what was written, then closes once it has reached the socket.
  private func closeAfterFlush(context: ChannelHandlerContext) {
    mode = .discarding
    let channel = context.channel
    let flushed = context.eventLoop.makePromise(of: Void.self)
    context.writeAndFlush(wrapOutboundOut(.body(ByteBuffer())), promise: flushed)
    flushed.futureResult.whenComplete { _ in
      channel.close(promise: nil)
    }
  }
}
