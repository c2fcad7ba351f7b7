/// The committed record of every output swapsync manages, keyed by output path.
public struct Lockfile: Codable, Equatable, Sendable {
  public static let currentVersion = 1

  public var version: Int
  public var entries: [String: LockEntry]

  public init(version: Int = Lockfile.currentVersion, entries: [String: LockEntry] = [:]) {
    self.version = version
    self.entries = entries
  }
}

extension Lockfile {
  /// An output other than `besides` whose record names `jobId` for inputs other than `pair`:
  /// recording `jobId` at `besides` for `pair` would name one job for two pairs, which the
  /// reader refuses (docs/lockfile.md).
  func output(recording jobId: String, forOtherThan pair: SwapPair, besides: String) -> String? {
    entries.first { $0.key != besides && $0.value.jobId == jobId && $0.value.pair != pair }?.key
  }
}
