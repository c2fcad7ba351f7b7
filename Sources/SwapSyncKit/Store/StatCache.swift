import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Machine-local memory of output digests keyed by file status, so unchanged outputs are not
/// re-hashed every run. Lives in `<stateDir>/stat-cache.json`; losing it only costs time.
///
/// A cached digest is used only when size, mtime, ctime, inode and device all match. A file
/// whose mtime or ctime is within `racyWindow` of the moment it was hashed is not remembered
/// (its timestamp cannot tell a later same-size rewrite apart, as with git's "racy clean").
///
/// Outputs this run installed itself (`installed`) are trusted for the rest of the run while
/// their stat data is unchanged, racy or not: their bytes were verified on the way in, so the
/// run's final report need not read them again. Only settled ones are saved for later runs.
public final class StatCache: Sendable {
  static let fileName = "stat-cache.json"
  static let formatVersion = 1

  struct Record: Codable, Equatable {
    var size: Int
    var mtimeNs: Int64
    var ctimeNs: Int64
    var inode: UInt64
    var device: UInt64
    var sha256: String
    var type: ImageType?

    init(_ stat: FileStat, _ digest: FileDigest) {
      size = stat.size
      mtimeNs = stat.mtimeNanoseconds
      ctimeNs = stat.ctimeNanoseconds
      inode = stat.inode
      device = stat.device
      sha256 = digest.sha256
      type = digest.type
    }

    func matches(_ stat: FileStat) -> Bool {
      stat.kind == .regular && size == stat.size && mtimeNs == stat.mtimeNanoseconds
        && ctimeNs == stat.ctimeNanoseconds && inode == stat.inode && device == stat.device
    }

    var digest: FileDigest { FileDigest(sha256: sha256, size: size, type: type) }
  }

  struct Contents: Codable {
    var version: Int
    var entries: [String: Record]
  }

  /// Path of the cache file.
  public let path: String
  private struct State {
    var records: [String: Record]
    /// Outputs installed by this run, too recent to save: trusted in memory only.
    var installed: [String: Record] = [:]
    var changed = false
    var racyWindowNanoseconds: Int64 = 2_000_000_000
    var hashCount = 0
  }

  private let state: Mutex<State>

  /// How recent a timestamp must be for the file not to be remembered (tests lower it).
  var racyWindowNanoseconds: Int64 {
    get { state.withLock { $0.racyWindowNanoseconds } }
    set { state.withLock { $0.racyWindowNanoseconds = newValue } }
  }
  /// How many files this instance has hashed (for tests).
  var hashCount: Int { state.withLock { $0.hashCount } }

  init(path: String, records: [String: Record]) {
    self.path = path
    self.state = Mutex(State(records: records))
  }

  /// Loads the cache of `stateDir`. A missing, unreadable or corrupt cache gives an empty one.
  public static func load(stateDir: String) -> StatCache {
    let path = stateDir + "/" + fileName
    let fd = Posix.open(path, O_RDONLY | O_NOFOLLOW)
    guard fd >= 0 else { return StatCache(path: path, records: [:]) }
    defer { Posix.closeQuietly(fd) }
    guard let bytes = try? Posix.readToEnd(fd, path: path),
      let contents = try? JSONDecoder().decode(Contents.self, from: Data(bytes)),
      contents.version == formatVersion
    else {
      return StatCache(path: path, records: [:])
    }
    return StatCache(path: path, records: contents.entries)
  }

  /// The digest of the output at `relativePath`: from the cache when its status is unchanged,
  /// otherwise by hashing it (and remembering the result). Nil when the file does not exist.
  public func digest(for relativePath: String, in folder: OutputFolder) throws(FileSystemError) -> FileDigest?
  {
    guard let stat = try folder.stat(relativePath: relativePath) else {
      forget(relativePath)
      return nil
    }
    if let record = lookup(relativePath), record.matches(stat) {
      return record.digest
    }
    if let record = state.withLock({ $0.installed[relativePath] }), record.matches(stat) {
      return record.digest
    }
    let startedAt = Self.now()
    guard let result = try folder.hashWithStat(relativePath: relativePath) else {
      forget(relativePath)
      return nil
    }
    let window = state.withLock { state in
      state.hashCount += 1
      return state.racyWindowNanoseconds
    }
    if result.before == result.after && Self.settled(result.after, at: startedAt, window: window) {
      remember(relativePath, Record(result.after, result.digest))
    } else {
      forget(relativePath)
    }
    return result.digest
  }

  /// Remembers the output this run just installed at `relativePath` with `digest` (verified on
  /// the way in), under its current stat data. Best effort: a path that cannot be read is left
  /// to be hashed when asked for.
  func installed(_ relativePath: String, digest: FileDigest, in folder: OutputFolder) {
    guard let stat = try? folder.stat(relativePath: relativePath), stat.kind == .regular,
      stat.size == digest.size
    else { return forget(relativePath) }
    let record = Record(stat, digest)
    let settled = Self.settled(stat, at: Self.now(), window: racyWindowNanoseconds)
    state.withLock { state in
      if settled {
        state.installed.removeValue(forKey: relativePath)
        if state.records[relativePath] != record {
          state.records[relativePath] = record
          state.changed = true
        }
      } else {
        state.installed[relativePath] = record
        // The saved record described the file this install replaced.
        if state.records.removeValue(forKey: relativePath) != nil { state.changed = true }
      }
    }
  }

  /// Drops the record of one output.
  public func forget(_ relativePath: String) {
    state.withLock {
      $0.installed.removeValue(forKey: relativePath)
      if $0.records.removeValue(forKey: relativePath) != nil { $0.changed = true }
    }
  }

  /// Whether a file's timestamps are older than the racy window at `now`.
  static func settled(_ stat: FileStat, at now: Int64, window: Int64) -> Bool {
    stat.mtimeNanoseconds < now - window && stat.ctimeNanoseconds < now - window
  }

  /// Drops every record whose path is not in `paths` (outputs no longer managed).
  public func retain(only paths: Set<String>) {
    state.withLock { state in
      let before = state.records.count
      state.records = state.records.filter { paths.contains($0.key) }
      if state.records.count != before { state.changed = true }
    }
  }

  /// Writes the cache atomically if anything changed since it was loaded or last saved.
  public func save() throws(FileSystemError) {
    let path = path
    try state.withLock { (state: inout State) throws(FileSystemError) in
      guard state.changed else { return }
      let records = state.records
      // Record by record, in pieces: one JSONEncoder call on 100,000 records built a tree of tens
      // of MB at the end of a big first sync. The bytes are `Contents` as JSON all the same.
      _ = try AtomicFile.write(to: path, unlessDigest: nil) { (write) throws(FileSystemError) in
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var bytes = Array("{\"version\":\(Self.formatVersion),\"entries\":{".utf8)
        for (index, (relativePath, record)) in records.enumerated() {
          if index > 0 { bytes.append(UInt8(ascii: ",")) }
          do {
            bytes += try encoder.encode(relativePath)
            bytes.append(UInt8(ascii: ":"))
            bytes += try encoder.encode(record)
          } catch {
            throw .encoding(path: path, detail: String(describing: error))
          }
          if bytes.count >= 256 << 10 {
            try write(bytes)
            bytes.removeAll(keepingCapacity: true)
          }
        }
        try write(bytes + Array("}}\n".utf8))
      }
      state.changed = false
    }
  }

  private func lookup(_ relativePath: String) -> Record? {
    state.withLock { $0.records[relativePath] }
  }

  private func remember(_ relativePath: String, _ record: Record) {
    state.withLock { state in
      if state.records[relativePath] != record {
        state.records[relativePath] = record
        state.changed = true
      }
    }
  }

  /// Wall-clock time in nanoseconds since 1970 (the clock file timestamps use).
  static func now() -> Int64 {
    var spec = timespec()
    if clock_gettime(CLOCK_REALTIME, &spec) != 0 {
      return Int64(Date().timeIntervalSince1970 * 1_000_000_000)
    }
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
  }
}
