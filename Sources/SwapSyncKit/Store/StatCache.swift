import Foundation

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
public final class StatCache: @unchecked Sendable {
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
  private let mutex = NSLock()
  private var records: [String: Record]
  private var changed = false
  /// How recent a timestamp must be for the file not to be remembered (tests lower it).
  var racyWindowNanoseconds: Int64 = 2_000_000_000
  /// How many files this instance has hashed (for tests).
  private(set) var hashCount = 0

  init(path: String, records: [String: Record]) {
    self.path = path
    self.records = records
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
    let startedAt = Self.now()
    guard let result = try folder.hashWithStat(relativePath: relativePath) else {
      forget(relativePath)
      return nil
    }
    let settled =
      result.before == result.after
      && result.after.mtimeNanoseconds < startedAt - racyWindowNanoseconds
      && result.after.ctimeNanoseconds < startedAt - racyWindowNanoseconds
    mutex.lock()
    hashCount += 1
    mutex.unlock()
    if settled {
      remember(relativePath, Record(result.after, result.digest))
    } else {
      forget(relativePath)
    }
    return result.digest
  }

  /// Drops the record of one output.
  public func forget(_ relativePath: String) {
    mutex.lock()
    defer { mutex.unlock() }
    if records.removeValue(forKey: relativePath) != nil { changed = true }
  }

  /// Drops every record whose path is not in `paths` (outputs no longer managed).
  public func retain(only paths: Set<String>) {
    mutex.lock()
    defer { mutex.unlock() }
    let before = records.count
    records = records.filter { paths.contains($0.key) }
    if records.count != before { changed = true }
  }

  /// Writes the cache atomically if anything changed since it was loaded or last saved.
  public func save() throws(FileSystemError) {
    mutex.lock()
    defer { mutex.unlock() }
    guard changed else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let bytes: [UInt8]
    do {
      bytes = [UInt8](try encoder.encode(Contents(version: Self.formatVersion, entries: records)))
    } catch {
      throw .encoding(path: path, detail: String(describing: error))
    }
    try AtomicFile.write(bytes, to: path)
    changed = false
  }

  private func lookup(_ relativePath: String) -> Record? {
    mutex.lock()
    defer { mutex.unlock() }
    return records[relativePath]
  }

  private func remember(_ relativePath: String, _ record: Record) {
    mutex.lock()
    defer { mutex.unlock() }
    if records[relativePath] != record {
      records[relativePath] = record
      changed = true
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
