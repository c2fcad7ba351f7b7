import CCurl
import Crypto
import Foundation
import HTTPTypes

/// Where a transfer puts the body of a 2xx answer.
enum BodySink {
  case memory
  /// A file descriptor the caller owns; it stays open after the transfer.
  case file(Int32)
}

/// The result of one libcurl transfer (one hop, no redirects followed).
struct TransferOutcome: Sendable {
  var code: CURLcode
  var errorDetail: String
  var status: Int
  var headers: HTTPFields
  var body: [UInt8]
  var fileBytes: Int
  var sha256: String
  var prefix: [UInt8]
  var suffix: [UInt8]
  /// The body ended only because the server closed the connection (`DownloadResult.endedByClose`).
  var endedByClose: Bool
  var redirectURL: String?
  /// Seconds until the request was about to be sent; 0 means it never was.
  var pretransferMicroseconds: Int64
  var abort: TransferAbort?
}

/// Why our own callbacks stopped a transfer.
enum TransferAbort: Sendable {
  case tooLarge
  case writeFailed(Int32)
  /// Reading the body to upload failed (errno).
  case readFailed(Int32)
}

/// One easy handle plus everything its callbacks touch.
///
/// Created by the calling task, which configures it; from `CurlMultiLoop.enqueue` on, it is
/// owned by the loop thread alone (callbacks run there) until the continuation is resumed.
final class CurlTransfer: @unchecked Sendable {
  let easy: UnsafeMutableRawPointer
  let id: Int
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let sink: BodySink
  private let maxBodyBytes: Int
  private var continuation: CheckedContinuation<TransferOutcome, Never>?
  /// libcurl writes its error text here; allocated once so its address is stable.
  private let errorBuffer: UnsafeMutablePointer<CChar> = {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    return buffer
  }()

  private var headers = HTTPFields()
  private var body: [UInt8] = []
  private var fileBytes = 0
  private var hasher = SHA256()
  private var prefix: [UInt8] = []
  /// The body's last bytes (at most 16), for end-marker checks.
  private var suffix: [UInt8] = []
  /// Set at a file body's first bytes.
  private var fileWriter: FileBodyWriter?
  var abort: TransferAbort?
  /// The body of a PUT and how much of an in-memory body was sent (CurlTransfer+Upload.swift).
  var upload: HTTPRequest.Upload?
  var uploadOffset = 0

  /// `CURLOPT_BUFFERSIZE` of downloads to a file, in bytes.
  static let fileBufferSize = FileBodyWriter.pieceSize

  /// Bodies of non-2xx answers are kept in memory up to this size, for messages.
  private static let errorBodyLimit = 64 * 1024

  /// Every option set on the handle whose return code was not `CURLE_OK`, by name.
  var rejectedOptions: [String] = []

  /// - Throws: `HTTPError.setupFailed` when libcurl has no handle to give or refuses an option
  ///   (for example `CURLOPT_PROTOCOLS_STR`, which needs libcurl 7.85): a gap in our safety
  ///   settings is an error, never silently ignored.
  init(id: Int, request: HTTPRequest, sink: BodySink, protocols: String, caCertPath: String?)
    throws(HTTPError)
  {
    guard let easy = curl_easy_init() else { throw .setupFailed("curl_easy_init returned no handle") }
    self.easy = easy
    self.id = id
    self.sink = sink
    self.maxBodyBytes = request.maxBodyBytes
    configure(request: request, protocols: protocols, caCertPath: caCertPath)
    if !rejectedOptions.isEmpty {
      throw .setupFailed(
        "this libcurl (\(String(cString: curl_version()))) refused \(rejectedOptions.joined(separator: ", "))"
      )
    }
  }

  deinit {
    curl_easy_cleanup(easy)
    curl_slist_free_all(headerList)
    errorBuffer.deallocate()
  }

  private func configure(request: HTTPRequest, protocols: String, caCertPath: String?) {
    setLong(CURLOPT_NOSIGNAL, "NOSIGNAL", 1)
    setString(CURLOPT_URL, "URL", request.url)
    setString(CURLOPT_PROTOCOLS_STR, "PROTOCOLS_STR", protocols)
    setString(CURLOPT_REDIR_PROTOCOLS_STR, "REDIR_PROTOCOLS_STR", protocols)
    // Redirects are followed by HTTPEngine, one checked hop at a time.
    setLong(CURLOPT_FOLLOWLOCATION, "FOLLOWLOCATION", 0)
    setLong(CURLOPT_CONNECTTIMEOUT_MS, "CONNECTTIMEOUT_MS", request.connectTimeout.curlMilliseconds)
    setLong(CURLOPT_TIMEOUT_MS, "TIMEOUT_MS", request.timeout.curlMilliseconds)
    // A stalled transfer is a retryable fault, not a hang (docs/http.md).
    if let stallTimeout = request.stallTimeout {
      setLong(CURLOPT_LOW_SPEED_LIMIT, "LOW_SPEED_LIMIT", HTTPRequest.stallFloor)
      setLong(CURLOPT_LOW_SPEED_TIME, "LOW_SPEED_TIME", max(1, Int(stallTimeout.seconds.rounded(.up))))
    }
    // Servers compress whether asked or not: ask for every encoding libcurl decodes, so the
    // body callbacks (and the size cap) see decoded bytes.
    setString(CURLOPT_ACCEPT_ENCODING, "ACCEPT_ENCODING", "")
    if request.method != .head {
      setOffT(CURLOPT_MAXFILESIZE_LARGE, "MAXFILESIZE_LARGE", curl_off_t(request.maxBodyBytes))
    }
    // A body bound for a file comes in larger pieces: fewer callbacks and write() calls per
    // result (libcurl's default is 16 KiB; the curl tool uses 100 KiB).
    if case .file = sink { setLong(CURLOPT_BUFFERSIZE, "BUFFERSIZE", Self.fileBufferSize) }
    setString(CURLOPT_USERAGENT, "USERAGENT", "swapsync/1")
    if request.url.lowercased().hasPrefix("http://") {
      // Plain http goes to loopback only: never through a proxy, where the key would travel in clear.
      setString(CURLOPT_NOPROXY, "NOPROXY", "*")
    }
    if let caCertPath { setString(CURLOPT_CAINFO, "CAINFO", caCertPath) }
    if request.freshConnection {
      setLong(CURLOPT_FRESH_CONNECT, "FRESH_CONNECT", 1)
      setLong(CURLOPT_FORBID_REUSE, "FORBID_REUSE", 1)
    }
    switch request.method {
    case .get:
      setLong(CURLOPT_HTTPGET, "HTTPGET", 1)
    case .head:
      setLong(CURLOPT_NOBODY, "NOBODY", 1)
    case .put:
      configureUpload(request.upload ?? .bytes([]))
    case .post:
      setLong(CURLOPT_POST, "POST", 1)
      setOffT(CURLOPT_POSTFIELDSIZE_LARGE, "POSTFIELDSIZE_LARGE", curl_off_t(request.body.count))
      if request.body.isEmpty {
        setString(CURLOPT_COPYPOSTFIELDS, "COPYPOSTFIELDS", "")
      } else {
        request.body.withUnsafeBytes { bytes in
          // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this call.
          check(
            swapsync_easy_setopt_pointer(
              easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)),
            "COPYPOSTFIELDS")
        }
      }
    }
    var fields = request.headers
    if let signing = request.signing {
      setString(CURLOPT_AWS_SIGV4, "AWS_SIGV4", signing.curlParameter)
      setString(CURLOPT_USERNAME, "USERNAME", signing.accessKeyID)
      setString(CURLOPT_PASSWORD, "PASSWORD", signing.secretAccessKey)
      fields += signing.headers
    }
    var list: UnsafeMutablePointer<curl_slist>?
    // An empty Expect: stops curl waiting for "100 Continue" on POST bodies. Never on a signed
    // request: libcurl 7.88 signs the empty field, which it then does not send.
    let suppressExpect = request.signing == nil ? ["Expect:"] : []
    for line in fields.map({ "\($0.name): \($0.value)" }) + suppressExpect {
      list = curl_slist_append(list, line)
    }
    headerList = list
    check(swapsync_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
    check(swapsync_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
    let me = Unmanaged.passUnretained(self).toOpaque()
    check(swapsync_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback), "WRITEFUNCTION")
    check(swapsync_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me), "WRITEDATA")
    check(
      swapsync_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback), "HEADERFUNCTION")
    check(swapsync_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me), "HEADERDATA")
  }

  func check(_ code: CURLcode, _ name: String) {
    if code != CURLE_OK {
      rejectedOptions.append("CURLOPT_\(name) (\(String(cString: curl_easy_strerror(code))))")
    }
  }
  func setLong(_ option: CURLoption, _ name: String, _ value: Int) {
    check(swapsync_easy_setopt_long(easy, option, value), name)
  }
  private func setString(_ option: CURLoption, _ name: String, _ value: String) {
    // libcurl copies string options (since 7.17), so a temporary C string is fine.
    check(swapsync_easy_setopt_string(easy, option, value), name)
  }
  func setOffT(_ option: CURLoption, _ name: String, _ value: curl_off_t) {
    check(swapsync_easy_setopt_off_t(easy, option, value), name)
  }

  // MARK: Called on the loop thread

  func attach(_ continuation: CheckedContinuation<TransferOutcome, Never>) {
    self.continuation = continuation
  }

  private var responseCode: Int {
    var code = 0
    _ = swapsync_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
    return code
  }

  /// Body bytes from libcurl. Returns the count consumed; anything else aborts the transfer.
  fileprivate func receive(_ chunk: UnsafeRawBufferPointer) -> Int {
    let status = responseCode
    guard (200..<300).contains(status), case .file(let fd) = sink else {
      if (200..<300).contains(status), body.count + chunk.count > maxBodyBytes {
        abort = .tooLarge
        return 0
      }
      let room = (200..<300).contains(status) ? chunk.count : max(0, Self.errorBodyLimit - body.count)
      body.append(contentsOf: chunk.prefix(room))
      return chunk.count
    }
    if fileBytes + chunk.count > maxBodyBytes {
      abort = .tooLarge
      return 0
    }
    do {
      try (fileWriter ?? startFileBody(fd)).append(chunk)
    } catch {
      abort = .writeFailed(error.code)
      return 0
    }
    hasher.update(bufferPointer: chunk)
    if prefix.count < 32 { prefix.append(contentsOf: chunk.prefix(32 - prefix.count)) }
    if chunk.count >= 16 {
      suffix = Array(chunk.suffix(16))
    } else {
      suffix.append(contentsOf: chunk)
      if suffix.count > 16 { suffix.removeFirst(suffix.count - 16) }
    }
    fileBytes += chunk.count
    return chunk.count
  }

  /// The writer of a file body: told its length when known, unless the body is compressed
  /// (its length on the wire is not its length on disk).
  private func startFileBody(_ fd: Int32) -> FileBodyWriter {
    var length: curl_off_t = -1
    _ = swapsync_easy_getinfo_off_t(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
    let known = length > 0 && length <= maxBodyBytes && headers[.contentEncoding] == nil
    let writer = FileBodyWriter(fd: fd, expectedLength: known ? Int(length) : nil)
    fileWriter = writer
    return writer
  }

  /// One header line from libcurl, status lines included.
  fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
    let text = HeaderBytes.trimmingWhitespace(line[...])
    if text.starts(with: "HTTP/".utf8) {
      headers = HTTPFields()  // a new answer (after 100 Continue, or a proxy's CONNECT answer)
    } else if let colon = text.firstIndex(of: UInt8(ascii: ":")),
      let name = HTTPField.Name(String(decoding: text[..<colon], as: UTF8.self))
    {
      headers.append(HTTPField(name: name, value: HeaderBytes.trimmingWhitespace(text[(colon + 1)...])))
    }
    return line.count
  }

  /// Called by the loop thread once the transfer left the multi handle (or never entered it);
  /// `detail`, when given, replaces libcurl's error text.
  func complete(code: CURLcode, detail override: String? = nil) {
    var code = code
    // The body's last bytes reach the file before anyone learns that the transfer ended.
    if abort == nil, let fileWriter {
      do {
        try fileWriter.flush()
      } catch {
        abort = .writeFailed(error.code)
        if code == CURLE_OK { code = CURLE_WRITE_ERROR }
      }
    }
    var redirect: UnsafeMutablePointer<CChar>?
    _ = swapsync_easy_getinfo_string(easy, CURLINFO_REDIRECT_URL, &redirect)
    var pretransfer: curl_off_t = 0
    _ = swapsync_easy_getinfo_off_t(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer)
    var version = 0
    _ = swapsync_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
    let detail = override ?? String(cString: errorBuffer)
    let outcome = TransferOutcome(
      code: code,
      errorDetail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
      status: responseCode,
      headers: headers,
      body: body,
      fileBytes: fileBytes,
      sha256: Hex.string(hasher.finalize()),
      prefix: prefix,
      suffix: suffix,
      endedByClose: DownloadResult.endedByClose(httpVersion: version, headers: headers),
      redirectURL: redirect.map { String(cString: $0) },
      pretransferMicroseconds: Int64(pretransfer),
      abort: abort
    )
    continuation?.resume(returning: outcome)
    continuation = nil
  }
}

// C callbacks live here, in the library: they run on the loop thread, never on the main actor.
private let curlWriteCallback: swapsync_curl_data_callback = { data, size, count, userdata in
  guard let userdata else { return 0 }
  let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
  return transfer.receive(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let curlHeaderCallback: swapsync_curl_data_callback = { data, size, count, userdata in
  guard let userdata else { return 0 }
  let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
  return transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
}
