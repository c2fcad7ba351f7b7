import HTTPTypes
import Hummingbird

extension EmulatorAPI {
  /// Default size of the `oversizeBody` stream.
  static let defaultOversize = 80 * 1_048_576

  /// `GET /cdn/<jobId>.png` and `GET /discord/<jobId>.png`: signed, expiring result downloads.
  func result(
    _ request: Request, file: String?, endpoint: FaultEndpoint, connection: ClientConnection
  ) async -> Response {
    await state.count(endpoint == .cdn ? .cdn : .discord)
    await applyLatency()
    let route = endpoint.rawValue
    let query = request.uri.queryParameters
    if let loop = query["loop"].flatMap({ Int($0) }) {
      return await redirectToSelf(request, loop: loop + 1)
    }
    let fault = await state.pickFault(for: endpoint)
    if let early = await earlyResponse(for: fault) { return early }
    switch fault?.kind {
    case .redirectToFile:
      return Responses.redirect(to: AnswerBuilder.fileURL)
    case .redirectLoop:
      return await redirectToSelf(request, loop: 1)
    case .htmlBody:
      return Responses.html("Sign in to continue", status: .ok)
    case .oversizeBody:
      return Responses.oversizePNG(size: fault?.sizeArgument ?? Self.defaultOversize)
    case .gzipBomb:
      return await gzipBomb(size: fault?.sizeArgument ?? FaultRule.defaultBombSize)
    case .jsonBody:
      return Responses.jsonInsteadOfImage()
    default:
      break
    }
    guard let file, file.hasSuffix(".png") else { return Responses.text("not found\n", status: .notFound) }
    let jobId = String(file.dropLast(4))
    let ex = query["ex"].map(String.init)
    let sig = query["sig"].map(String.init)
    if let reason = state.signer.refusal(route: route, jobId: jobId, expiryHex: ex, sig: sig) {
      return Responses.text("403 Forbidden: \(reason)\n", status: .forbidden)
    }
    guard let job = await state.job(jobId), job.status(at: .now) == .success else {
      return Responses.text("not found\n", status: .notFound)
    }
    let png = await resultPNG(for: job)
    var headers = HTTPFields()
    headers[.cacheControl] = "private, max-age=60"
    switch fault?.kind {
    case .truncatedBody:
      let response = Responses.bytes(png, contentType: "image/png", headers: headers)
      return Responses.truncated(response, keep: fault?.sizeArgument)
    case .cutImage:
      let kept = min(png.count, fault?.sizeArgument ?? png.count / 2)
      return Responses.bytes(Array(png.prefix(kept)), contentType: "image/png", headers: headers)
    case .gzip:
      return Responses.gzipped(png, contentType: "image/png", headers: headers)
    case .trickle:
      let interval = fault?.trickleInterval ?? .milliseconds(500)
      return Responses.trickle(
        png, contentType: "image/png", headers: headers, interval: interval, connection: connection,
        state: state)
    default:
      return Responses.bytes(png, contentType: "image/png", headers: headers)
    }
  }

  /// The `gzipBomb` answer; its body is compressed once per size (256 MiB take about a second).
  private func gzipBomb(size: Int) async -> Response {
    if let cached = await state.cachedBomb(size: size) { return Responses.gzipBomb(cached) }
    do throws(Compression.Failure) {
      let body = try Compression.gzipOfZeros(count: size)
      await state.storeBomb(body, size: size)
      return Responses.gzipBomb(body)
    } catch {
      return Responses.error(.internalServerError, "emulator could not compress: \(error)")
    }
  }

  /// A 302 to the same download with `loop=<n>`: every looped request redirects again.
  private func redirectToSelf(_ request: Request, loop: Int) async -> Response {
    let base = await state.base
    let kept = request.uri.queryParameters.filter { $0.key != "loop" }.map { "\($0.key)=\($0.value)" }
    let query = (kept + ["loop=\(loop)"]).joined(separator: "&")
    return Responses.redirect(to: "\(base)\(request.uri.path)?\(query)")
  }

  /// `GET /samples/<name>.png`: generated demo inputs (`face-NAME` and `target-NAME`).
  func sample(file: String?) async -> Response {
    await state.count(.samples)
    guard let file, file.hasSuffix(".png"), let png = ImageFactory.sample(named: String(file.dropLast(4)))
    else {
      return Responses.text("not found\n", status: .notFound)
    }
    return Responses.bytes(png, contentType: "image/png")
  }
}
