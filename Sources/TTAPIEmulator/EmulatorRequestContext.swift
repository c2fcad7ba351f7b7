import Hummingbird
import NIOCore

/// Hummingbird's basic request context plus the request's connection, so that a slow answer
/// (the `trickle` fault) can see when the client has gone.
struct EmulatorRequestContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  /// The connection the request came on.
  let connection: ClientConnection

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    connection = ClientConnection(channel: source.channel)
  }
}

/// The client's side of a request: whether its connection is still open.
struct ClientConnection: Sendable {
  let channel: (any Channel)?

  /// False once the connection closed (the server reads the client's close as soon as it comes).
  var isOpen: Bool { channel?.isActive ?? true }
}
