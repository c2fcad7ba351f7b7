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
