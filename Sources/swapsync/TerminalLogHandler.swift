import Logging
import SwapSyncKit

/// The log handler of every command: the stderr stream handler, with each message shown through
/// `TerminalText.escaped`. Log lines (`--verbose`, warnings) quote the service's messages, which
/// must neither act on the terminal nor start a line of their own (docs/safety.md).
struct TerminalLogHandler: LogHandler {
  private var wrapped: StreamLogHandler

  init(_ wrapped: StreamLogHandler) {
    self.wrapped = wrapped
  }

  func log(event: LogEvent) {
    var event = event
    event.message = Logger.Message(stringLiteral: TerminalText.escaped(event.message.description))
    wrapped.log(event: event)
  }

  var logLevel: Logger.Level {
    get { wrapped.logLevel }
    set { wrapped.logLevel = newValue }
  }

  var metadata: Logger.Metadata {
    get { wrapped.metadata }
    set { wrapped.metadata = newValue }
  }

  var metadataProvider: Logger.MetadataProvider? {
    get { wrapped.metadataProvider }
    set { wrapped.metadataProvider = newValue }
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { wrapped[metadataKey: key] }
    set { wrapped[metadataKey: key] = newValue }
  }
}
