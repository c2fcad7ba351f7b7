import CCurl
import Foundation

/// The body of a PUT: announced by size, read through libcurl's read callback, and rewound
/// through its seek callback when libcurl has to send it again on a fresh connection.
extension CurlTransfer {
  /// A PUT body: its size up front, then read (and, when libcurl must resend it, rewound) by
  /// the callbacks below.
  func configureUpload(_ body: HTTPRequest.Upload) {
    upload = body
    if case .file(let descriptor, _) = body, lseek(descriptor, 0, SEEK_SET) != 0 {
      rejectedOptions.append("the upload (cannot seek the file: \(String(cString: strerror(errno))))")
    }
    setLong(CURLOPT_UPLOAD, "UPLOAD", 1)
    setOffT(CURLOPT_INFILESIZE_LARGE, "INFILESIZE_LARGE", curl_off_t(body.size))
    let me = Unmanaged.passUnretained(self).toOpaque()
    check(swapsync_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, curlReadCallback), "READFUNCTION")
    check(swapsync_easy_setopt_pointer(easy, CURLOPT_READDATA, me), "READDATA")
    check(swapsync_easy_setopt_seek_callback(easy, CURLOPT_SEEKFUNCTION, curlSeekCallback), "SEEKFUNCTION")
    check(swapsync_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, me), "SEEKDATA")
  }

  /// Fills `buffer` with the next bytes of the upload; 0 at the end.
  fileprivate func send(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    switch upload {
    case .bytes(let bytes)?:
      let count = min(buffer.count, bytes.count - uploadOffset)
      bytes.withUnsafeBytes { source in
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[uploadOffset..<uploadOffset + count]))
      }
      uploadOffset += count
      return count
    case .file(let descriptor, _)?:
      while true {
        let count = read(descriptor, buffer.baseAddress, buffer.count)
        if count >= 0 { return count }
        if errno == EINTR { continue }
        abort = .readFailed(errno)
        return Self.readAbort
      }
    case nil:
      return 0
    }
  }

  /// libcurl's `CURL_READFUNC_ABORT`.
  private static let readAbort = 0x1000_0000

  /// Rewinds the upload to `offset` (libcurl resends a body on a fresh connection).
  /// Returns `CURL_SEEKFUNC_OK` (0), `_FAIL` (1) or `_CANTSEEK` (2).
  fileprivate func seek(to offset: Int64, origin: Int32) -> Int32 {
    guard origin == SEEK_SET, offset >= 0 else { return 2 }
    switch upload {
    case .bytes(let bytes)?:
      guard offset <= Int64(bytes.count) else { return 1 }
      uploadOffset = Int(offset)
      return 0
    case .file(let descriptor, _)?:
      return lseek(descriptor, off_t(offset), SEEK_SET) < 0 ? 1 : 0
    case nil:
      return 2
    }
  }
}

private let curlReadCallback: swapsync_curl_data_callback = { data, size, count, userdata in
  guard let userdata, let data else { return 0x1000_0000 }
  let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
  return transfer.send(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
}

private let curlSeekCallback: swapsync_curl_seek_callback = { userdata, offset, origin in
  guard let userdata else { return 1 }
  let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
  return transfer.seek(to: Int64(offset), origin: origin)
}
