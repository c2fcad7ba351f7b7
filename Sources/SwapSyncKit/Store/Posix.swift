import Foundation
import SystemPackage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Thin, checked wrappers around the system calls the store uses. Every call that can fail with
/// EINTR is retried; every failure becomes a `FileSystemError` naming the path and the OS error.
///
/// open, read, write and close go through swift-system (`FileDescriptor`, `Errno`); the calls it
/// does not offer (openat, fstatat, fsync, fdatasync, mkdir, ftruncate...) stay raw here. The API
/// keeps raw `Int32` descriptors with `errno` set on failure, which is what the callers use.
enum Posix {
  static let directoryMode: mode_t = 0o755
  static let fileMode: mode_t = 0o644

  /// The OS description of an errno value ("No space left on device").
  static func message(_ code: Int32) -> String {
    Errno(rawValue: code).description
  }

  /// Runs `body` again while it fails with EINTR.
  @inline(__always)
  static func retrying(_ body: () -> Int32) -> Int32 {
    while true {
      let result = body()
      if result == -1 && errno == EINTR { continue }
      return result
    }
  }

  /// Runs `body` again while it fails with EINTR (read/write flavour).
  @inline(__always)
  static func retrying(_ body: () -> Int) -> Int {
    while true {
      let result = body()
      if result == -1 && errno == EINTR { continue }
      return result
    }
  }

  static func openat(_ dir: Int32, _ name: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    retrying { () -> Int32 in
      #if canImport(Glibc)
        Glibc.openat(dir, name, flags | O_CLOEXEC, mode)
      #else
        Darwin.openat(dir, name, flags | O_CLOEXEC, mode)
      #endif
    }
  }

  /// `open(2)` through `FileDescriptor.open`, always close-on-exec; -1 with `errno` set on failure.
  /// The path goes over as C bytes, not as a `FilePath`: `FilePath` drops a trailing slash, which
  /// would let `open("file/")` succeed where the system call refuses it.
  static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    let access = FileDescriptor.AccessMode(rawValue: flags & O_ACCMODE)
    let options = FileDescriptor.OpenOptions(rawValue: (flags & ~O_ACCMODE) | O_CLOEXEC)
    let permissions = flags & O_CREAT != 0 ? FilePermissions(rawValue: mode) : nil
    do {
      let fd = try path.withCString { name in
        try FileDescriptor.open(name, access, options: options, permissions: permissions)
      }
      return fd.rawValue
    } catch {
      errno = (error as? Errno)?.rawValue ?? EIO
      return -1
    }
  }

  /// Opens a folder for use as an `*at` anchor and for fsync (follows links: callers decide).
  static func openDirectory(_ path: String) throws(FileSystemError) -> Int32 {
    let fd = open(path, O_RDONLY | O_DIRECTORY)
    if fd < 0 { throw .io(operation: "open folder", path: path, errno: errno) }
    return fd
  }

  /// Writes all of `bytes` to `fd`, fsyncs it and closes it. The descriptor is closed on every
  /// path; a failure of the write, the fsync or the close is thrown (`FileSystemError.io`).
  static func writeSyncAndClose(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
    do throws(FileSystemError) {
      try writeFully(fd, bytes, path: path)
      try syncFile(fd, path: path)
    } catch {
      closeQuietly(fd)
      throw error
    }
    try closeFile(fd, path: path)
  }

  /// Writes every byte, continuing after short writes.
  static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(FileSystemError) {
    var rest = bytes
    while !rest.isEmpty {
      let written: Int
      do {
        written = try FileDescriptor(rawValue: fd).write(rest)
      } catch {
        throw .io(operation: "write", path: path, errno: code(of: error))
      }
      if written == 0 { throw .io(operation: "write", path: path, errno: EIO) }
      rest = UnsafeRawBufferPointer(rebasing: rest[written...])
    }
  }

  static func writeFully(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
    var failure: FileSystemError?
    bytes.withUnsafeBytes { buffer in
      do throws(FileSystemError) {
        try writeFully(fd, buffer, path: path)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
  }

  /// Reads up to `buffer.count` bytes; 0 means end of file.
  static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, path: String)
    throws(FileSystemError) -> Int
  {
    do {
      return try FileDescriptor(rawValue: fd).read(into: buffer)
    } catch {
      throw .io(operation: "read", path: path, errno: code(of: error))
    }
  }

  /// Reads the whole file from the current offset.
  static func readToEnd(_ fd: Int32, path: String) throws(FileSystemError) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      var failure: FileSystemError?
      let count = chunk.withUnsafeMutableBytes { buffer -> Int in
        do throws(FileSystemError) {
          return try readSome(fd, buffer, path: path)
        } catch {
          failure = error
          return 0
        }
      }
      if let failure { throw failure }
      if count == 0 { return result }
      result.append(contentsOf: chunk[0..<count])
    }
  }

  /// Flushes file data and metadata to stable storage (F_FULLFSYNC on Darwin).
  static func syncFile(_ fd: Int32, path: String) throws(FileSystemError) {
    #if canImport(Darwin)
      if retrying({ fcntl(fd, F_FULLFSYNC) }) == 0 { return }
    #endif
    if retrying({ fsync(fd) }) != 0 { throw .io(operation: "sync", path: path, errno: errno) }
  }

  /// Flushes file data (and the size) to stable storage.
  static func syncData(_ fd: Int32, path: String) throws(FileSystemError) {
    #if os(Linux)
      if retrying({ fdatasync(fd) }) != 0 { throw .io(operation: "sync", path: path, errno: errno) }
    #else
      try syncFile(fd, path: path)
    #endif
  }

  /// Closes a descriptor. Not retried on EINTR: on Linux the descriptor is gone either way.
  static func closeFile(_ fd: Int32, path: String) throws(FileSystemError) {
    do {
      try FileDescriptor(rawValue: fd).close()
    } catch {
      let code = code(of: error)
      if code != EINTR { throw .io(operation: "close", path: path, errno: code) }
    }
  }

  /// Closes a descriptor on a path where the data no longer matters (already synced, or discarded).
  static func closeQuietly(_ fd: Int32) {
    try? FileDescriptor(rawValue: fd).close()
  }

  /// The errno value of an error thrown by swift-system (it throws only `Errno`).
  private static func code(of error: any Error) -> Int32 {
    (error as? Errno)?.rawValue ?? EIO
  }

  static func fileStatus(_ dir: Int32, _ name: String, followLinks: Bool = false) -> (stat?, Int32) {
    var info = stat()
    let flags = followLinks ? 0 : AT_SYMLINK_NOFOLLOW
    if retrying({ fstatat(dir, name, &info, flags) }) != 0 { return (nil, errno) }
    return (info, 0)
  }

  static func fileStatus(_ fd: Int32) -> (stat?, Int32) {
    var info = stat()
    if retrying({ fstat(fd, &info) }) != 0 { return (nil, errno) }
    return (info, 0)
  }

  static func isKind(_ info: stat, _ kind: mode_t) -> Bool {
    (info.st_mode & S_IFMT) == kind
  }

  /// `mkdir -p`: creates every missing folder of an absolute or relative path, syncing the
  /// parent of each folder it creates so the new entry survives a crash. Follows symbolic
  /// links that already exist (the user chose them).
  static func makeDirectories(_ path: String) throws(FileSystemError) {
    let absolute = absolutePath(path)
    var prefix = ""
    for component in absolute.pathSegments(omittingEmpty: true) {
      let parent = prefix.isEmpty ? "/" : prefix
      prefix += "/" + component
      if retrying({ mkdir(prefix, directoryMode) }) == 0 {
        let parentFD = try openDirectory(parent)
        defer { closeQuietly(parentFD) }
        try syncFile(parentFD, path: parent)
        continue
      }
      let code = errno
      if code != EEXIST { throw .io(operation: "create folder", path: prefix, errno: code) }
      let (info, statError) = fileStatus(AT_FDCWD, prefix, followLinks: true)
      guard let info else { throw .io(operation: "inspect", path: prefix, errno: statError) }
      if !isKind(info, S_IFDIR) { throw .notADirectory(path: prefix) }
    }
  }

  /// `path` made absolute against the current folder, without trailing slashes.
  static func absolutePath(_ path: String) -> String {
    var result = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
    return result
  }

  /// `realpath(3)`: the absolute path with every symbolic link resolved, or nil when a part of
  /// it does not exist (then the deepest existing folder is resolved and the rest appended).
  static func realPath(_ path: String) -> String? {
    if let resolved = realpath(path, nil) {
      defer { free(resolved) }
      return String(cString: resolved)
    }
    let parent = directoryName(path)
    guard parent != path, parent != ".", let base = realPath(parent) else { return nil }
    return (base == "/" ? "" : base) + "/" + baseName(path)
  }

  /// The folder part of a path ("." when there is none).
  static func directoryName(_ path: String) -> String {
    // By bytes (`pathSegments`): a "/" followed by a combining mark is one character.
    let bytes = path.utf8
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    if slash == bytes.startIndex { return "/" }
    return String(decoding: bytes[..<slash], as: UTF8.self)
  }

  /// The last component of a path.
  static func baseName(_ path: String) -> String {
    let bytes = path.utf8
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return path }
    return String(decoding: bytes[bytes.index(after: slash)...], as: UTF8.self)
  }

  /// 16 random lowercase hex digits for unique temporary names.
  static func randomHex() -> String {
    let value = UInt64.random(in: .min ... .max)
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Lowercase hex of a byte sequence.
  static func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
