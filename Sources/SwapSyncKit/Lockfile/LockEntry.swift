/// What the lockfile records about one output: only portable facts, never local paths or secrets.
public struct LockEntry: Codable, Equatable, Sendable {
  // Strings first, the 9-byte optionals next, single bytes last: 176 bytes instead of 192 (a
  // 100,000-entry lockfile's dictionary has 262,144 slots). The file's key order is sorted anyway.
  public var targetImage: String
  public var swapImage: String
  public var jobId: String?
  /// Lowercase hex SHA-256 of the output bytes (state `done`).
  public var sha256: String?
  /// Detected image type: `jpeg`, `png`, `webp` or `gif` (state `done`).
  public var imageType: String?
  /// Why the entry is `failed`, `uncertain` or `lost`.
  public var message: String?
  /// RFC 3339 UTC time the submit was sent.
  public var submittedAt: String?
  /// RFC 3339 UTC time the entry reached its current final state.
  public var finishedAt: String?
  /// Size of the output in bytes (state `done`).
  public var size: Int?
  public var quota: Int?
  /// Runs so far in which the job's result could not be used (docs/states.md); absent when 0.
  public var unusableRuns: Int?
  public var state: EntryState
  /// True when the output was recorded from a file swapsync did not write (`sync --adopt`);
  /// such an entry has no job id. Absent otherwise.
  public var adopted: Bool?

  public init(
    targetImage: String, swapImage: String, state: EntryState, jobId: String? = nil,
    sha256: String? = nil, size: Int? = nil, imageType: String? = nil, quota: Int? = nil,
    message: String? = nil, submittedAt: String? = nil, finishedAt: String? = nil, adopted: Bool? = nil,
    unusableRuns: Int? = nil
  ) {
    self.targetImage = targetImage
    self.swapImage = swapImage
    self.state = state
    self.jobId = jobId
    self.sha256 = sha256
    self.size = size
    self.imageType = imageType
    self.quota = quota
    self.message = message
    self.submittedAt = submittedAt
    self.finishedAt = finishedAt
    self.adopted = adopted
    self.unusableRuns = unusableRuns
  }

  /// The input pair this entry was made from.
  public var pair: SwapPair { SwapPair(targetImage: targetImage, swapImage: swapImage) }
}
