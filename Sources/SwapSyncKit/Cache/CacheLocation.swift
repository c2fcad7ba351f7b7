import Foundation

/// Where verified outputs are kept by content (docs/cache.md): a folder, or an S3 bucket with an
/// optional key prefix. Never holds a secret: credentials come from the environment.
public enum CacheLocation: Sendable, Equatable, CustomStringConvertible {
  /// An absolute folder path.
  case folder(String)
  /// `s3://bucket/prefix`; `prefix` has no leading or trailing slash and may be empty.
  case s3(bucket: String, prefix: String)

  /// The location as a user writes it.
  public var description: String {
    switch self {
    case .folder(let path): path
    case .s3(let bucket, let prefix): prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
    }
  }

  /// Parses a manifest's `cache` or `--cache`; a relative folder path is resolved against
  /// `base` (the manifest's folder, or the current folder for `--cache`).
  public static func parse(_ text: String, relativeTo base: URL) -> Result<CacheLocation, CacheLocationError>
  {
    if let problem = problem(with: text) { return .failure(CacheLocationError(message: problem)) }
    if case let (bucket, prefix)? = splitS3(text) { return .success(.s3(bucket: bucket, prefix: prefix)) }
    return .success(.folder(URL(fileURLWithPath: text, relativeTo: base).standardizedFileURL.path))
  }

  /// Nil when `text` is a usable cache location, else what is wrong with it.
  public static func problem(with text: String) -> String? {
    if text.isEmpty { return "must not be empty (leave it out to use no cache)" }
    if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      return "contains a control character"
    }
    guard case let (bucket, prefix)? = splitS3(text) else {
      if let scheme = text.range(of: "://") {
        return "unsupported cache location \"\(text[..<scheme.lowerBound])://\": use a folder path or "
          + "s3://bucket/prefix"
      }
      return nil
    }
    if bucket.contains("@") || bucket.contains(":") {
      return "must not contain credentials or an endpoint: put them in the environment "
        + "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL), never in the manifest"
    }
    if let problem = bucketProblem(bucket) { return problem }
    return prefixProblem(prefix)
  }

  /// `(bucket, prefix)` of an `s3://` location, nil for anything else.
  private static func splitS3(_ text: String) -> (String, String)? {
    guard text.lowercased().hasPrefix("s3://") else { return nil }
    let rest = text.dropFirst(5)
    let bucket = rest.prefix { $0 != "/" }
    var prefix = rest.dropFirst(bucket.count)
    while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
    while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
    return (String(bucket), String(prefix))
  }

  /// S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting and
  /// ending with a letter or digit.
  private static func bucketProblem(_ bucket: String) -> String? {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    let alphanumeric = Set("abcdefghijklmnopqrstuvwxyz0123456789")
    guard (3...63).contains(bucket.count), bucket.allSatisfy(allowed.contains),
      let first = bucket.first, let last = bucket.last, alphanumeric.contains(first),
      alphanumeric.contains(last),
      !bucket.contains("..")
    else {
      return "\"\(bucket)\" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and "
        + "hyphens; expected s3://bucket/prefix)"
    }
    return nil
  }

  /// Key prefixes are kept to characters that need no escaping in a URL or a signature.
  private static func prefixProblem(_ prefix: String) -> String? {
    if prefix.isEmpty { return nil }
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")
    guard prefix.allSatisfy(allowed.contains) else {
      return "the key prefix \"\(prefix)\" may only contain letters, digits, \".\", \"_\", \"-\" and \"/\""
    }
    if prefix.utf8.count > 512 { return "the key prefix is longer than 512 bytes" }
    for segment in prefix.split(separator: "/", omittingEmptySubsequences: false)
    where segment.isEmpty || segment == "." || segment == ".." {
      return "the key prefix \"\(prefix)\" has an empty, \".\" or \"..\" segment"
    }
    return nil
  }
}

/// Why a cache location was refused.
public struct CacheLocationError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
