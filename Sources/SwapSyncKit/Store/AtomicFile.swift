import Crypto

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Replaces a file's contents all-or-nothing: readers and crashes see the old bytes or the new ones.
public enum AtomicFile {
  /// Writes `bytes` to `path` atomically and durably.
  ///
  /// Steps: create a uniquely named temporary file beside `path` (O_CREAT|O_EXCL, mode 0644),
  /// write everything, fsync it, rename it over `path`, fsync the folder. When this returns,
  /// the new contents survive a crash. On a failure before the rename the temporary file is
  /// removed and `path` keeps its old contents. A failure of the final folder fsync is reported
  /// even though the new contents are already visible (their durability is then unknown).
  /// If `path` is a symbolic link, the link itself is replaced by a regular file.
  public static func write(_ bytes: [UInt8], to path: String) throws(FileSystemError) {
    _ = try write(to: path, unlessDigest: nil) { (write) throws(FileSystemError) in try write(bytes) }
  }

  /// Like `write(_:to:)`, for contents that `produce` hands, piece by piece and in order, to the
  /// function it is given (so a 47 MB lockfile is never one buffer); the pieces are hashed
  /// (SHA-256) on the way. When the digest equals `unchanged`, the temporary file is removed and
  /// `path` is left untouched, not even its modification time. Returns the digest and whether
  /// `path` was replaced. Errors: those of `write(_:to:)`, and whatever `produce` throws (then
  /// `path` is untouched too).
  public static func write(
    to path: String, unlessDigest unchanged: SHA256.Digest?,
    _ produce: (_ write: ([UInt8]) throws(FileSystemError) -> Void) throws(FileSystemError) -> Void
  ) throws(FileSystemError) -> (digest: SHA256.Digest, replaced: Bool) {
    let folder = Posix.directoryName(path)
    let folderFD = try Posix.openDirectory(folder)
    defer { Posix.closeQuietly(folderFD) }
    return try write(
      named: Posix.baseName(path), inFolder: folderFD, folderPath: folder, displayPath: path,
      unlessDigest: unchanged, produce)
  }

  /// Throws when `write(_:to:)` could not replace `path`: its folder cannot take a new file
  /// (permissions, a read-only file system, `chattr +i`) or the file itself is immutable. A
  /// check made before money is spent (`sync` buys nothing it could not record in the
  /// lockfile), not a promise: a full disk shows only when writing.
  public static func checkReplaceable(_ path: String) throws(FileSystemError) {
    let folder = Posix.directoryName(path)
    if access(folder, W_OK | X_OK) != 0 {
      throw .io(operation: "write a new lockfile in", path: folder, errno: errno)
    }
    if access(path, W_OK) != 0, errno == EPERM || errno == EROFS {
      throw .io(operation: "replace", path: path, errno: errno)
    }
  }

  /// `write(_:to:)` relative to an open folder descriptor (used inside the output folder).
  static func write(
    _ bytes: [UInt8], named name: String, inFolder folderFD: Int32, folderPath: String, displayPath: String
  ) throws(FileSystemError) {
    _ = try write(
      named: name, inFolder: folderFD, folderPath: folderPath, displayPath: displayPath, unlessDigest: nil
    ) { (write) throws(FileSystemError) in try write(bytes) }
  }

  private static func write(
    named name: String, inFolder folderFD: Int32, folderPath: String, displayPath: String,
    unlessDigest unchanged: SHA256.Digest?,
    _ produce: (_ write: ([UInt8]) throws(FileSystemError) -> Void) throws(FileSystemError) -> Void
  ) throws(FileSystemError) -> (digest: SHA256.Digest, replaced: Bool) {
    let (fd, tempName) = try createTemporary(for: name, inFolder: folderFD, displayPath: displayPath)
    var hasher = SHA256()
    let digest: SHA256.Digest
    do throws(FileSystemError) {
      do throws(FileSystemError) {
        try produce { piece throws(FileSystemError) in
          try Posix.writeFully(fd, piece, path: displayPath)
          hasher.update(data: piece)
        }
        digest = hasher.finalize()
        if digest != unchanged { try Posix.syncFile(fd, path: displayPath) }
      } catch {
        Posix.closeQuietly(fd)
        throw error
      }
      try Posix.closeFile(fd, path: displayPath)
      if digest == unchanged {
        _ = unlinkat(folderFD, tempName, 0)
        return (digest, false)
      }
      if Posix.retrying({ renameat(folderFD, tempName, folderFD, name) }) != 0 {
        throw FileSystemError.io(operation: "replace", path: displayPath, errno: errno)
      }
    } catch {
      _ = unlinkat(folderFD, tempName, 0)
      throw error
    }
    try Posix.syncFile(folderFD, path: folderPath)
    return (digest, true)
  }

  /// Removes temporary files a killed writer left beside `path` (`.<name>.<16 hex>.tmp`).
  /// Only call it while no other process may be writing `path`.
  @discardableResult
  public static func removeStaleTemporaries(for path: String) throws(FileSystemError) -> Int {
    let folder = Posix.directoryName(path)
    let prefix = "." + temporaryStem(Posix.baseName(path)) + "."
    let folderFD = try Posix.openDirectory(folder)
    defer { Posix.closeQuietly(folderFD) }
    var removed = 0
    for name in try FolderListing.names(in: folderFD, path: folder) {
      guard name.hasPrefix(prefix), name.hasSuffix(".tmp") else { continue }
      let middle = name.dropFirst(prefix.count).dropLast(4)
      guard middle.count == 16, middle.allSatisfy(\.isHexDigit) else { continue }
      if unlinkat(folderFD, name, 0) != 0 {
        if errno == ENOENT { continue }
        throw .io(operation: "remove", path: folder + "/" + name, errno: errno)
      }
      removed += 1
    }
    if removed > 0 { try Posix.syncFile(folderFD, path: folder) }
    return removed
  }

  /// A short prefix of `name` so temporary names stay under NAME_MAX.
  private static func temporaryStem(_ name: String) -> String {
    String(String.UnicodeScalarView(name.unicodeScalars.prefix(40)))
  }

  private static func createTemporary(
    for name: String, inFolder folderFD: Int32, displayPath: String
  ) throws(FileSystemError) -> (Int32, String) {
    let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
    var lastError: Int32 = EEXIST
    for _ in 0..<8 {
      let tempName = "." + temporaryStem(name) + "." + Posix.randomHex() + ".tmp"
      let fd = Posix.openat(folderFD, tempName, flags, Posix.fileMode)
      if fd >= 0 { return (fd, tempName) }
      lastError = errno
      if lastError != EEXIST { break }
    }
    throw .io(operation: "create a temporary file for", path: displayPath, errno: lastError)
  }
}
