import HTTPTypes
import Hummingbird

extension EmulatorAPI {
  /// `GET /_emulator/stats`.
  func stats() async -> Response {
    Responses.json(await state.statsJSON())
  }

  /// `GET /_emulator/config`.
  func config() async -> Response {
    Responses.json(await state.configJSON())
  }

  /// `POST /_emulator/config`: replaces only the fields present; answers the resulting config.
  func updateConfig(_ request: Request) async -> Response {
    guard let body = await jsonBody(request) else {
      return Responses.error(.badRequest, "config body must be JSON")
    }
    do throws(EmulatorError) {
      try await state.apply(config: body)
    } catch {
      return Responses.error(.badRequest, error.description)
    }
    return Responses.json(await state.configJSON())
  }

  /// `POST /_emulator/finish`: every running job ends now.
  func finish() async -> Response {
    await state.finishAll()
    return Responses.json(await state.statsJSON())
  }

  /// `POST /_emulator/reset`: zeroes counters and clears faults.
  func reset() async -> Response {
    await state.reset()
    return Responses.json(await state.statsJSON())
  }
}
