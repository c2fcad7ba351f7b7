/// A store of verified outputs addressed by their SHA-256 (docs/cache.md): objects are written
/// once, never overwritten (except one found damaged, replaced by verified bytes), and verified
/// by the reader before use.
protocol ContentCache: Sendable {
  /// Whether a good copy of `object` is there (size, and the checksum where the backend keeps one).
  func probe(_ object: CacheObject) async throws(CacheError) -> CacheProbe
  /// Streams the object into `descriptor` (truncated first), hashing it on the way; at most
  /// `object.size` bytes are accepted.
  func fetch(_ object: CacheObject, into descriptor: Int32) async throws(CacheError) -> CacheFetch
  /// Stores `object` from `source` (a file descriptor positioned anywhere; read from offset 0),
  /// whose bytes the caller verified. `replacing` allows replacing a damaged object.
  func store(_ object: CacheObject, from source: Int32, replacing: Bool) async throws(CacheError)
  /// Housekeeping before the first store of a run (the folder backend removes old temporaries).
  func prepareToStore() async
}

extension ContentCache {
  func prepareToStore() async {}
}

/// One output's bytes as the cache knows them.
public struct CacheObject: Sendable, Hashable {
  /// Lowercase hex SHA-256 of the bytes.
  public var sha256: String
  public var size: Int
  /// The detected image type, for the stored content type.
  public var imageType: ImageType?

  public init(sha256: String, size: Int, imageType: ImageType?) {
    self.sha256 = sha256
    self.size = size
    self.imageType = imageType
  }

  /// `sha256/ab/<64 hex>`: the object's place under the cache root or key prefix.
  public var relativeKey: String { "sha256/\(sha256.prefix(2))/\(sha256)" }

  /// The MIME type stored with the object.
  var contentType: String {
    switch imageType {
    case .jpeg?: "image/jpeg"
    case .png?: "image/png"
    case .webp?: "image/webp"
    case .gif?: "image/gif"
    case nil: "application/octet-stream"
    }
  }

  /// Whether `sha256` is 64 lowercase hex digits (a lockfile could hold anything else).
  var isWellFormed: Bool {
    sha256.utf8.count == 64 && sha256.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
      && size >= 0
  }
}

/// What a look at one object found.
enum CacheProbe: Sendable, Equatable {
  case present
  case absent
  /// Something is stored under the address, but not these bytes.
  case damaged(String)
}

/// What a fetch brought.
enum CacheFetch: Sendable, Equatable {
  case absent
  /// Bytes were written; the caller compares them with what it expects.
  case fetched(sha256: String, size: Int, type: ImageType?)
  /// What is stored cannot be these bytes (larger than expected, not a file); nothing usable written.
  case damaged(String)
}

/// Why the cache could not be used; the run goes on without it (docs/cache.md).
public enum CacheError: Error, Sendable, CustomStringConvertible {
  /// The cache did not answer: connection or TLS failure, timeout, a 5xx answer, an unreadable folder.
  case unavailable(String)
  /// The cache took a request and did not answer in time: not tried again in this run (a
  /// server that is silent for the whole timeout is not back a second later).
  case timedOut(String)
  /// The cache answered with a refusal: wrong credentials, no permission, another region.
  case refused(String)
  /// The bytes to push no longer match the lockfile (the output changed on disk).
  case sourceChanged(String)
  /// The run is stopping.
  case stopped

  public var description: String {
    switch self {
    case .unavailable(let detail), .timedOut(let detail): "unreachable: \(detail)"
    case .refused(let detail): "refused: \(detail)"
    case .sourceChanged(let detail): detail
    case .stopped: "stopped: the run is ending"
    }
  }

  /// Whether the rest of the run should leave the cache alone.
  var disablesCache: Bool {
    switch self {
    case .unavailable, .timedOut, .refused: true
    case .sourceChanged, .stopped: false
    }
  }
}
