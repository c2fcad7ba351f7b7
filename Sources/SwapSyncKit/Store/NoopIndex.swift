import Crypto
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The no-op index: what a run that ended in sync saw, so that the next run can tell it has
/// nothing to do without parsing the manifest or the lockfile (docs/performance.md).
///
/// Like git's index, it trusts stat data: the manifest's, the lockfile's and every output's
/// (size, mtime, ctime, inode, device, all in nanoseconds). It is written only when every
/// output is verified and no file changed in the two seconds before (git's "racy clean" rule),
/// and it is used only when the journal is empty and no run holds the lock; anything else means
/// "don't know", and the run takes the full path. It is machine-local: it lives under
/// `$XDG_CACHE_HOME/swapsync/noop/` (default `~/.cache`), named by a hash of the absolute
/// manifest path, the lockfile path and `--out`, because the output folder is only known after
/// parsing the manifest.
///
/// Format: magic `SSNI0001`, then the output folder (UInt32 length + bytes), then records of
/// UInt32 path length, path bytes (relative to the manifest's folder for the first two, to the
/// output folder for outputs) and five Int64: size, mtime, ctime, inode, device; the manifest's
/// record first, the lockfile's second.
public enum NoopIndex {
  static let magic = Array("SSNI0001".utf8)
  /// Files changed this recently are not trusted from their stat data.
  public static let racyWindowNanoseconds: Int64 = 2_000_000_000

  /// Where the index for this invocation lives; nil when no cache folder can be named.
  public static func location(
    manifestPath: String, lockPath: String, out: String?, allowHTTP: Bool, cache: String? = nil,
    environment: [String: String]
  ) -> String? {
    let base: String
    if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      base = xdg
    } else if let home = environment["HOME"], home.hasPrefix("/") {
      base = home + "/.cache"
    } else {
      return nil
    }
    let key = [
      Posix.absolutePath(manifestPath), Posix.absolutePath(lockPath), out.map(Posix.absolutePath) ?? "",
      allowHTTP ? "allow-http" : "", cache ?? "",
      environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] ?? "",
    ].joined(separator: "\u{0}")
    let digest = SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    return base + "/swapsync/noop/" + digest.prefix(32) + ".idx"
  }

  /// The number of outputs when the index at `path` proves that a run would have nothing to do:
  /// the manifest, the lockfile and every output have the stat data recorded, the journal is
  /// empty and no run holds the lock. Nil otherwise (including any error).
  public static func verifiedOutputs(at path: String, manifestPath: String, lockPath: String) -> Int? {
    guard let bytes = try? LockfileCodec.readBytes(path: path), bytes.starts(with: magic) else { return nil }
    var reader = Reader(bytes: bytes, offset: magic.count)
    guard let root = reader.string(), let manifest = reader.record(), let lock = reader.record() else {
      return nil
    }
    guard matches(manifestPath, manifest.stat), matches(lockPath, lock.stat) else { return nil }
    let stateDir = root + "/" + OutputPath.stateFolderName
    guard (try? LockfileCodec.readBytes(path: stateDir + "/journal.jsonl"))??.isEmpty ?? true,
      RunLock.holder(stateDir: stateDir) == nil
    else { return nil }
    var count = 0
    while !reader.atEnd {
      guard let output = reader.record(), matches(root + "/" + output.path, output.stat) else { return nil }
      count += 1
    }
    return count
  }

  /// Writes the index for a run that ended in sync: `outputs` are the manifest's outputs, all
  /// verified. Nothing is written (and an old index is removed) when a file is too recent to
  /// trust or anything cannot be read; errors never fail the run.
  public static func record(
    at path: String, manifestPath: String, lockPath: String, outputRoot: String, outputs: [String],
    racyWindow: Int64 = racyWindowNanoseconds
  ) {
    let now = StatCache.now()
    var writer = Writer()
    writer.append(magic)
    writer.string(outputRoot)
    for (name, file) in [(manifestPath, manifestPath), (lockPath, lockPath)]
      + outputs.map({ ($0, outputRoot + "/" + $0) })
    {
      guard let stat = statOf(file), stat.kind == .regular,
        stat.mtimeNanoseconds < now - racyWindow, stat.ctimeNanoseconds < now - racyWindow
      else {
        unlink(path)
        return
      }
      writer.record(name, stat)
    }
    try? Posix.makeDirectories(Posix.directoryName(path))
    do {
      try AtomicFile.write(writer.bytes, to: path)
    } catch {
      unlink(path)
    }
  }

  /// Forgets the index (a run that did not end in sync).
  public static func forget(at path: String) { unlink(path) }

  private static func statOf(_ path: String) -> FileStat? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return FileStat(info)
  }

  private static func matches(_ path: String, _ recorded: FileStat) -> Bool {
    guard let now = statOf(path) else { return false }
    return now == recorded
  }

  private struct Writer {
    var bytes: [UInt8] = []
    mutating func append(_ more: [UInt8]) { bytes += more }
    mutating func integer<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    mutating func string(_ text: String) {
      integer(UInt32(text.utf8.count))
      bytes += text.utf8
    }
    mutating func record(_ path: String, _ stat: FileStat) {
      string(path)
      for value in [
        Int64(stat.size), stat.mtimeNanoseconds, stat.ctimeNanoseconds, Int64(bitPattern: stat.inode),
        Int64(bitPattern: stat.device),
      ] {
        integer(value)
      }
    }
  }

  private struct Reader {
    let bytes: [UInt8]
    var offset: Int
    var atEnd: Bool { offset >= bytes.count }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
      let size = MemoryLayout<T>.size
      guard offset + size <= bytes.count else { return nil }
      var value: T = 0
      for index in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index) }
      offset += size
      return value
    }
    mutating func string() -> String? {
      guard let length = integer(UInt32.self), offset + Int(length) <= bytes.count else { return nil }
      defer { offset += Int(length) }
      return String(decoding: bytes[offset..<offset + Int(length)], as: UTF8.self)
    }
    mutating func record() -> (path: String, stat: FileStat)? {
      guard let path = string(), let size = integer(Int64.self), let mtime = integer(Int64.self),
        let ctime = integer(Int64.self), let inode = integer(Int64.self), let device = integer(Int64.self)
      else { return nil }
      let stat = FileStat(
        kind: .regular, size: Int(size), mtimeNanoseconds: mtime, ctimeNanoseconds: ctime,
        inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device))
      return (path, stat)
    }
  }
}
