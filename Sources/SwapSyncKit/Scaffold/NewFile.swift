#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Creates a file that must not exist yet, all-or-nothing, never replacing one that does.
enum NewFile {
  /// Writes `bytes` to a temporary file beside `path`, fsyncs it and hard-links it to `path`,
  /// which fails if anything is there; the folder is fsynced after. Returns false, writing
  /// nothing, when `path` exists. Where hard links are not supported, falls back to an exclusive
  /// create of `path` itself (still never replacing a file).
  static func create(_ bytes: [UInt8], at path: String) throws(FileSystemError) -> Bool {
    let folder = Posix.directoryName(path)
    let temp = folder + "/." + Posix.baseName(path) + "." + Posix.randomHex() + ".tmp"
    try write(bytes, to: temp, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW)
    defer { _ = unlink(temp) }
    if Posix.retrying({ link(temp, path) }) != 0 {
      let code = errno
      if code == EEXIST { return false }
      guard code == EPERM || code == EOPNOTSUPP || code == EXDEV || code == EMLINK else {
        throw .io(operation: "create", path: path, errno: code)
      }
      do {
        try write(bytes, to: path, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW)
      } catch .io(_, _, EEXIST) {
        return false
      }
    }
    let folderFD = try Posix.openDirectory(folder)
    defer { Posix.closeQuietly(folderFD) }
    try Posix.syncFile(folderFD, path: folder)
    return true
  }

  /// Appends `bytes` to `path` (created if absent) and fsyncs it.
  static func append(_ bytes: [UInt8], to path: String) throws(FileSystemError) {
    try write(bytes, to: path, flags: O_WRONLY | O_CREAT | O_APPEND)
  }

  private static func write(_ bytes: [UInt8], to path: String, flags: Int32) throws(FileSystemError) {
    let fd = Posix.open(path, flags, Posix.fileMode)
    if fd < 0 { throw .io(operation: "create", path: path, errno: errno) }
    try Posix.writeSyncAndClose(fd, bytes, path: path)
  }
}
