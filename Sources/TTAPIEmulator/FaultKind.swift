/// Everything the emulator knows how to break. `FaultKind+Help.swift` documents each kind.
public enum FaultKind: String, Sendable, CaseIterable {
  case http429, http499, http500, http504, html502, invalidJSON
  case closeConnection, truncatedBody, slow
  case ambiguousSubmit, jobIdTraversal
  case resultFileURL, resultHTTPRemote
  case redirectToFile, redirectLoop, htmlBody, oversizeBody, cutImage
  case gzip, gzipBomb, successWithoutURL, jsonBody, trickle, retryAfterDate, redirect

  /// Kinds that only make sense on fetch answers that carry a result: only fetches of a
  /// finished, successful job draw them (and use up their `#COUNT`).
  var needsFinishedJob: Bool {
    self == .resultFileURL || self == .resultHTTPRemote || self == .successWithoutURL
  }

  /// Whether this kind may be attached to `endpoint`.
  func applies(to endpoint: FaultEndpoint) -> Bool {
    switch self {
    case .http429, .http499, .http500, .http504, .html502, .closeConnection, .truncatedBody, .slow,
      .gzip, .trickle, .retryAfterDate:
      return true
    case .invalidJSON, .redirect:
      return endpoint == .submit || endpoint == .fetch
    case .ambiguousSubmit, .jobIdTraversal:
      return endpoint == .submit
    case .resultFileURL, .resultHTTPRemote, .successWithoutURL:
      return endpoint == .fetch
    case .redirectToFile, .redirectLoop, .htmlBody, .oversizeBody, .cutImage, .gzipBomb, .jsonBody:
      return endpoint == .cdn || endpoint == .discord
    }
  }

  /// The endpoints this kind may be attached to.
  public var endpoints: [FaultEndpoint] { FaultEndpoint.allCases.filter { applies(to: $0) } }
}
