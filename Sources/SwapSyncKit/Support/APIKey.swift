import Foundation

/// Finds the TTAPI key: `--api-key-file` (refused when group/world readable) or `TT_API_KEY`.
/// The key is never printed, logged or written anywhere.
public enum APIKey {
  public static func load(file: String?, environment: [String: String]) throws(SwapSyncFailure) -> String {
    let raw: String
    if let file {
      var info = stat()
      guard stat(file, &info) == 0 else {
        throw SwapSyncFailure(
          .denied, "cannot read the API key file \(file): \(String(cString: strerror(errno)))")
      }
      guard info.st_mode & S_IFMT == S_IFREG else {
        let what = info.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file"
        throw SwapSyncFailure(
          .denied, "the API key file \(file) is \(what): pass the file that holds the key")
      }
      guard info.st_mode & 0o077 == 0 else {
        throw SwapSyncFailure(
          .denied, "the API key file \(file) is readable by group or others; run `chmod 600 \(file)`")
      }
      guard let data = FileManager.default.contents(atPath: file) else {
        throw SwapSyncFailure(.denied, "cannot read the API key file \(file)")
      }
      raw = String(decoding: data, as: UTF8.self)
    } else if let value = environment["TT_API_KEY"] {
      raw = value
    } else {
      throw SwapSyncFailure(.denied, "no API key: set TT_API_KEY or pass --api-key-file FILE")
    }
    let key = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    let source = file.map { "the API key file \($0)" } ?? "TT_API_KEY"
    guard !key.isEmpty else {
      throw SwapSyncFailure(.denied, "\(source) is empty: put the key there, or pass --api-key-file FILE")
    }
    guard key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7F }) else {
      throw SwapSyncFailure(.denied, "the API key in \(source) contains spaces or control characters")
    }
    return key
  }
}
