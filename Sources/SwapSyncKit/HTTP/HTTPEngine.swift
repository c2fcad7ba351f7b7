import CCurl
import Foundation
import Logging
import Synchronization

/// Async HTTP over libcurl's multi interface: connection reuse per host, streamed and hashed
/// downloads, and every URL (redirects included) checked against the policy.
///
/// Transfers run on loop threads, each owning one multi handle (`CurlMultiLoop`). Requests
/// answered in memory (the API's) all go to the first loop. Downloads, whose receiving, writing
/// and SHA-256 take a core at a few hundred MB/s, go to the loop with the fewest downloads under
/// way, so two cores restore results about twice as fast as one (docs/performance.md).
public final class HTTPEngine: Sendable {
  /// Settings that hold for every request of one run.
  public struct Configuration: Sendable {
    /// PEM bundle of CAs to trust instead of the system's (`--cacert`).
    public var caCertPath: String?
    /// Permit plain `http` to non-loopback hosts (`--allow-http`).
    public var allowHTTP: Bool
    public var maxRedirects: Int

    public init(caCertPath: String? = nil, allowHTTP: Bool = false, maxRedirects: Int = 5) {
      self.caCertPath = caCertPath
      self.allowHTTP = allowHTTP
      self.maxRedirects = maxRedirects
    }
  }

  private let configuration: Configuration
  /// At least one; `loops[0]` also carries every request answered in memory.
  private let loops: [CurlMultiLoop]
  private let nextID = Atomic<Int>(1)
  private let logger: Logger
  private let admission: Mutex<Admission>
  /// URLs without a query that passed `URLPolicy` (the API's endpoints, asked for 2 of every 3
  /// requests): checked once per run, not per request. Results' URLs, signed and each different,
  /// are checked every time. At most `acceptedLimit`.
  private let accepted = Mutex(Set<String>())
  private static let acceptedLimit = 64

  /// Which requests may still start, and the transfers under way.
  private struct Admission {
    var inFlight: [Int: Flight] = [:]
    /// Downloads under way on each loop, by loop index.
    var downloads: [Int]
    var closedToFetches = false
    var closedToSubmits = false

    /// The loop for a new transfer: the first for a body kept in memory, else the loop with the
    /// fewest downloads (the last such on a tie, to keep downloads off the API's loop).
    func loopIndex(download: Bool) -> Int {
      guard download else { return 0 }
      var best = downloads.count - 1
      for index in downloads.indices.reversed() where downloads[index] < downloads[best] { best = index }
      return best
    }
  }

  /// One transfer under way.
  private struct Flight {
    var isSubmit: Bool
    var isDownload: Bool
    /// A HEAD: a question whose answer nothing is recorded from (a cache probe).
    var isProbe: Bool
    var loop: Int
  }

  /// - Parameter loops: loop threads; by default one per core, at most 4.
  public init(
    configuration: Configuration, logger: Logger = Logger(label: "swapsync.http"),
    loops: Int = min(4, ProcessInfo.processInfo.activeProcessorCount)
  ) {
    self.configuration = configuration
    self.logger = logger
    let count = max(1, loops)
    self.loops = (0..<count).map { CurlMultiLoop(name: "swapsync.curl.\($0)") }
    self.admission = Mutex(Admission(downloads: Array(repeating: 0, count: count)))
  }

  deinit { for loop in loops { loop.stop() } }

  /// Stops transfers for a run that is ending (interrupt or timeout): cancels every transfer under
  /// way except, unless `includingSubmits`, submits (fresh-connection requests), whose answers
  /// are worth waiting for; and refuses the same kinds of request from now on with
  /// `HTTPError.notStarted`.
  public func cancelTransfers(includingSubmits: Bool) {
    let flights = admission.withLock { state -> [(id: Int, loop: Int)] in
      state.closedToFetches = true
      if includingSubmits { state.closedToSubmits = true }
      return state.inFlight.filter { includingSubmits || !$0.value.isSubmit }.map { ($0.key, $0.value.loop) }
    }
    for flight in flights { loops[flight.loop].cancel(id: flight.id) }
  }

  /// Cancels the HEAD requests under way (`HTTPError.cancelled`), for a push that is stopping:
  /// nothing is recorded from their answers, so they need not be waited for. Other requests go on.
  public func cancelProbes() {
    let flights = admission.withLock { state in
      state.inFlight.filter { $0.value.isProbe }.map { (id: $0.key, loop: $0.value.loop) }
    }
    for flight in flights { loops[flight.loop].cancel(id: flight.id) }
  }

  /// Whether plain `http` to non-loopback hosts is permitted.
  public var allowsHTTP: Bool { configuration.allowHTTP }

  /// Sends `request` and returns the answer with its body in memory. Follows redirects only
  /// for GET, and only when `request.followRedirects`.
  public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
    var hop = request
    for _ in 0...configuration.maxRedirects {
      let outcome = try await perform(hop, sink: .memory)
      if request.method == .get, request.followRedirects, let next = outcome.redirectURL,
        (300..<400).contains(outcome.status)
      {
        hop.url = next
        continue
      }
      return HTTPResponse(status: outcome.status, headers: outcome.headers, body: outcome.body, url: hop.url)
    }
    throw .tooManyRedirects(configuration.maxRedirects)
  }

  /// GETs `request.url` and streams a 2xx body into `fileDescriptor` (truncated first),
  /// hashing it on the way; memory use does not grow with the body.
  public func download(_ request: HTTPRequest, to fileDescriptor: Int32) async throws(HTTPError)
    -> DownloadResult
  {
    var hop = request
    hop.method = .get
    for _ in 0...configuration.maxRedirects {
      guard ftruncate(fileDescriptor, 0) == 0, lseek(fileDescriptor, 0, SEEK_SET) == 0 else {
        throw .localWriteFailed(errno: errno)
      }
      let outcome = try await perform(hop, sink: .file(fileDescriptor))
      if request.followRedirects, let next = outcome.redirectURL, (300..<400).contains(outcome.status) {
        hop.url = next
        continue
      }
      return DownloadResult(
        status: outcome.status, headers: outcome.headers, size: outcome.fileBytes, sha256: outcome.sha256,
        prefix: outcome.prefix, suffix: outcome.suffix, endedByClose: outcome.endedByClose,
        errorBody: outcome.body, url: hop.url)
    }
    throw .tooManyRedirects(configuration.maxRedirects)
  }

  /// One hop: checks the URL, runs the transfer on a loop thread (`Admission.loopIndex`),
  /// classifies failures.
  private func perform(_ request: HTTPRequest, sink: BodySink) async throws(HTTPError) -> TransferOutcome {
    if !accepted.withLock({ $0.contains(request.url) }) {
      if let reason = URLPolicy.problem(with: request.url, allowHTTP: configuration.allowHTTP) {
        throw .refusedURL(request.url, reason: reason)
      }
      if !request.url.utf8.contains(UInt8(ascii: "?")) {
        accepted.withLock { if $0.count < Self.acceptedLimit { $0.insert(request.url) } }
      }
    }
    if Task.isCancelled { throw .notStarted }
    let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    let isSubmit = request.freshConnection
    let isDownload = if case .file = sink { true } else { false }
    let admitted = admission.withLock { state -> Int? in
      guard !(isSubmit ? state.closedToSubmits : state.closedToFetches) else { return nil }
      let index = state.loopIndex(download: isDownload)
      state.inFlight[id] = Flight(
        isSubmit: isSubmit, isDownload: isDownload, isProbe: request.method == .head, loop: index)
      if isDownload { state.downloads[index] += 1 }
      return index
    }
    guard let index = admitted else { throw .notStarted }
    defer {
      admission.withLock { state in
        if state.inFlight.removeValue(forKey: id)?.isDownload == true { state.downloads[index] -= 1 }
      }
    }
    let transfer = try CurlTransfer(
      id: id, request: request, sink: sink, protocols: "http,https", caCertPath: configuration.caCertPath)
    let started = ContinuousClock.now
    let loop = loops[index]
    let outcome = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        transfer.attach(continuation)
        loop.enqueue(transfer)
      }
    } onCancel: {
      loop.cancel(id: id)
    }
    let milliseconds = (ContinuousClock.now - started).curlMilliseconds
    let result = outcome.code == CURLE_OK ? String(outcome.status) : outcome.errorDetail
    logger.debug(
      "\(request.method.rawValue) \(Self.redacted(request.url)) -> \(result) in \(milliseconds) ms")
    try Self.check(outcome, request: request)
    return outcome
  }

  /// The answer's `Content-Encoding` (gzip, deflate, br…), nil when absent or `identity`.
  private static func encoding(of outcome: TransferOutcome) -> String? {
    guard let value = outcome.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces), !value.isEmpty,
      value.lowercased() != "identity"
    else { return nil }
    return value
  }

  /// Turns libcurl's result code into an `HTTPError` that says whether the request left.
  private static func check(_ outcome: TransferOutcome, request: HTTPRequest) throws(HTTPError) {
    let code = outcome.code
    if code == CURLE_OK { return }
    switch outcome.abort {
    case .tooLarge?: throw .bodyTooLarge(limit: request.maxBodyBytes, encoding: Self.encoding(of: outcome))
    case .writeFailed(let error)?: throw .localWriteFailed(errno: error)
    case .readFailed(let error)?:
      throw .transferFailed("could not read the file to upload: \(String(cString: strerror(error)))")
    case nil: break
    }
    let detail = outcome.errorDetail
    switch code {
    case CURLE_ABORTED_BY_CALLBACK:
      throw outcome.pretransferMicroseconds == 0 ? .notStarted : .cancelled
    case CURLE_FILESIZE_EXCEEDED:
      throw .bodyTooLarge(limit: request.maxBodyBytes, encoding: Self.encoding(of: outcome))
    case CURLE_FAILED_INIT:
      // Set by the loop when libcurl refused the handle: it never reached a connection.
      throw .setupFailed(detail)
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
      throw .refusedURL(request.url, reason: detail)
    case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
      throw .connectFailed(detail)
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
      CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ISSUER_ERROR:
      throw .tlsFailed(detail)
    case CURLE_OPERATION_TIMEDOUT where outcome.pretransferMicroseconds == 0:
      // Timed out before the request was about to be sent: the server never saw it.
      throw .connectFailed(detail)
    case CURLE_OPERATION_TIMEDOUT:
      throw .timedOut(detail)
    default:
      throw .transferFailed(detail)
    }
  }

  /// `url` without its query and fragment (`http://host/path?…`), for every message, log line,
  /// event and lockfile field that names a URL: result URLs are signed and expire, their query
  /// (`ex=`, `sig=`) is a secret while it is valid, and swapsync never stores it (docs/http.md).
  /// Cut at the first `?` or `#` byte, whatever follows it.
  public static func redacted(_ url: String) -> String {
    let bytes = url.utf8
    guard let cut = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else {
      return url
    }
    return String(decoding: bytes[...cut], as: UTF8.self) + "…"
  }
}
