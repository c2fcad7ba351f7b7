import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The TTAPI SwapFace emulator: an HTTP server bound to a loopback address only.
public struct EmulatorServer: Sendable {
  private let settings: EmulatorSettings
  private let address: Loopback.Address
  private let logLevel: Logger.Level

  /// Validates the settings; a host that is not a loopback literal (or `localhost`) is refused.
  public init(settings: EmulatorSettings, verbose: Bool = false) throws(EmulatorError) {
    guard let address = Loopback.address(for: settings.host) else {
      throw EmulatorError("refusing to bind to non-loopback host '\(settings.host)' (use 127.0.0.1 or ::1)")
    }
    guard (0...65_535).contains(settings.port) else {
      throw EmulatorError("port must be in 0...65535")
    }
    self.settings = settings
    self.address = address
    self.logLevel = verbose ? .info : .warning
  }

  /// Runs until SIGTERM/SIGINT; `onListening` gets the base URL once the port is bound.
  public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
    let state = EmulatorState(settings: settings)
    let api = EmulatorAPI(state: state)
    let router = Router(context: EmulatorRequestContext.self)
    Self.addRoutes(to: router, api: api)
    var logger = Logger(label: "ttapi-emulator")
    logger.logLevel = logLevel
    let urlHost = address.urlHost
    let app = Application(
      router: router,
      server: .http1(configuration: .init(additionalChannelHandlers: [FaultChannelHandler()])),
      configuration: .init(address: .hostname(address.literal, port: settings.port)),
      onServerRunning: { channel in
        let port = channel.localAddress?.port ?? 0
        let base = "http://\(urlHost):\(port)"
        await state.setBaseURL(base)
        onListening(base)
      },
      logger: logger
    )
    try await app.runService()
  }

  private static func addRoutes(to router: Router<EmulatorRequestContext>, api: EmulatorAPI) {
    router.post("/insightFace/v1/swap") { request, context in
      await api.submit(request, connection: context.connection)
    }
    router.post("/insightFace/v1/fetch") { request, context in
      await api.fetch(request, connection: context.connection)
    }
    router.get("/insightFace/v1/fetch") { request, context in
      await api.fetch(request, connection: context.connection)
    }
    router.get("/cdn/:file") { request, context in
      await api.result(
        request, file: context.parameters.get("file"), endpoint: .cdn, connection: context.connection)
    }
    router.get("/discord/:file") { request, context in
      await api.result(
        request, file: context.parameters.get("file"), endpoint: .discord, connection: context.connection)
    }
    router.get("/samples/:file") { _, context in await api.sample(file: context.parameters.get("file")) }
    router.get("/_emulator/stats") { _, _ in await api.stats() }
    router.get("/_emulator/config") { _, _ in await api.config() }
    router.post("/_emulator/config") { request, _ in await api.updateConfig(request) }
    router.post("/_emulator/reset") { _, _ in await api.reset() }
    router.post("/_emulator/finish") { _, _ in await api.finish() }
  }
}
