extension FaultKind {
  /// The argument a kind takes (with its default), or nil when it takes none.
  public var argumentHelp: String? {
    switch self {
    case .http429: "SECONDS (1)"
    case .slow: "DURATION (2s)"
    case .truncatedBody: "SIZE (half the body)"
    case .cutImage: "SIZE (half the image)"
    case .oversizeBody: "SIZE (80MiB)"
    case .gzipBomb: "SIZE (256MiB)"
    case .trickle: "INTERVAL (500ms)"
    case .retryAfterDate: "SECONDS (2)"
    case .redirect: "STATUS (308)"
    default: nil
    }
  }

  /// What the emulator sends instead of the normal answer.
  public var summary: String {
    switch self {
    case .http429: "429 with Retry-After in whole seconds"
    case .http499: "499 queue full"
    case .http500: "500 JSON error"
    case .http504: "504 JSON error"
    case .html502: "502 with an nginx HTML page"
    case .invalidJSON: "200 whose JSON body is cut and garbled"
    case .closeConnection: "closes the connection without an answer"
    case .truncatedBody: "full Content-Length, then only SIZE body bytes and a close"
    case .slow: "waits DURATION, then answers normally"
    case .ambiguousSubmit: "creates the job, then closes the connection without an answer"
    case .jobIdTraversal: "creates a job but answers the jobId ../../etc/passwd"
    case .resultFileURL: "a finished job's result URLs are file:///etc/passwd"
    case .resultHTTPRemote: "a finished job's result URLs are plain http to a remote host"
    case .redirectToFile: "302 to file:///etc/passwd"
    case .redirectLoop: "302 to itself, forever"
    case .htmlBody: "200 with an HTML sign-in page instead of the image"
    case .oversizeBody: "200 image/png of SIZE bytes (PNG signature, then zeros)"
    case .cutImage:
      "200 image/png: the result's first SIZE bytes, with a Content-Length that says so (an object stored cut short)"
    case .gzip: "the normal body gzip-compressed, Content-Encoding: gzip, asked for or not"
    case .gzipBomb: "200 image/png, Content-Encoding: gzip, a small body that decodes to SIZE zero bytes"
    case .successWithoutURL:
      "a finished job answers SUCCESS with cdnImage null and no discordImage (#N: the first N such answers)"
    case .jsonBody: "200 application/json {\"status\":\"FAILED\",...} instead of the image"
    case .trickle: "status and headers (real Content-Length), then one body byte every INTERVAL"
    case .retryAfterDate: "429 with Retry-After as an HTTP-date SECONDS ahead"
    case .redirect: "STATUS with Location: BASE/insightFace/v1/elsewhere; a submit creates no job"
    }
  }

  /// Every kind, one per line: name, argument, endpoints and what it does (for `--help`).
  public static var reference: String {
    allCases.map { kind in
      let name = kind.rawValue + (kind.argumentHelp.map { "[:\($0)]" } ?? "")
      let endpoints =
        kind.endpoints.count == FaultEndpoint.allCases.count
        ? "any" : kind.endpoints.map(\.rawValue).joined(separator: ",")
      return "  \(name) [\(endpoints)]: \(kind.summary)"
    }.joined(separator: "\n")
  }
}
