#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Keeping `results.jsonl` small enough to be read: it grows by a line per install, restores
/// included, so once it passes `compactionThreshold` the run's first append rewrites it first
/// (docs/lockfile.md, "The state folder").
extension ResultLedger {
  /// 32 MiB, half of `sizeLimit`: a ledger over it is rewritten before the next append.
  static let compactionThreshold = 32 << 20

  /// Rewrites the ledger at `path`, when it is a regular file over `threshold` bytes, without
  /// repeated lines (the later one kept, where it stood) and, if still over 3/4 of `threshold`,
  /// without its oldest lines: the newest results are the ones worth remembering. Atomic
  /// (`AtomicFile`); best effort: on any failure the file is left as it was.
  static func compact(path: String, threshold: Int) {
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) > threshold,
      let bytes = try? LockfileCodec.readBytes(path: path, flags: O_NOFOLLOW | O_NONBLOCK)
    else { return }
    try? AtomicFile.write(compacted(bytes, keeping: threshold / 4 * 3), to: path)
  }

  /// `bytes` (lines of a ledger) without repeated lines, the later kept, and then without the
  /// oldest lines past `budget` bytes.
  static func compacted(_ bytes: [UInt8], keeping budget: Int) -> [UInt8] {
    var seen: Set<ArraySlice<UInt8>> = []
    var kept: [ArraySlice<UInt8>] = []
    var size = 0
    for line in bytes.split(separator: 0x0A).reversed() where seen.insert(line).inserted {
      size += line.count + 1
      if size > budget { break }
      kept.append(line)
    }
    var result: [UInt8] = []
    result.reserveCapacity(size)
    for line in kept.reversed() {
      result += line
      result.append(0x0A)
    }
    return result
  }
}
