/// What a file's bytes are: checksum, length and detected image type.
public struct FileDigest: Codable, Equatable, Sendable {
  /// Lowercase hex SHA-256 of the whole file.
  public var sha256: String
  /// Length in bytes.
  public var size: Int
  /// The image type recognised from the first bytes, if any.
  public var type: ImageType?

  public init(sha256: String, size: Int, type: ImageType?) {
    self.sha256 = sha256
    self.size = size
    self.type = type
  }
}
