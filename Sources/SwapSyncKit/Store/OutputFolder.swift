import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The output folder: the only way outputs are written, read or removed, confined to its root.
///
/// Every operation works relative to descriptors opened at `init` and never follows a symbolic
/// link below the root (the root itself may be a link the user made). Outputs are written into
/// `.swapsync/tmp/` first and renamed into place, so a reader or a crash never sees a partial file.
/// Methods may be called from concurrent tasks; the descriptors never change after `init`.
public final class OutputFolder: @unchecked Sendable {
  static let stateFolderName = OutputPath.stateFolderName
  static let tempFolderName = "tmp"
  static let tempSuffix = ".part"
  /// A temporary file about to be exchanged with an output is renamed to this suffix first, so
  /// that what comes out of the output under its name survives a kill before it is settled
  /// (`cleanTemporaries(isRecorded:)`).
  static let exchangeSuffix = ".install"
  static let chunkSize = 64 * 1024

  /// Absolute path of the output folder (as given, made absolute; links not resolved).
  public let rootPath: String
  /// Absolute path of the machine-local state folder `<root>/.swapsync`.
  public let stateDir: String
  /// Absolute path of `<root>/.swapsync/tmp`.
  public let tempDir: String

  let rootFD: Int32
  let stateFD: Int32
  let tempFD: Int32
  /// Whether `.swapsync/replaced/` was seen to exist (nil: not looked at yet).
  let replacedFolderSeen = Mutex<Bool?>(nil)
  /// `keptIndex`, once listed.
  let keptIndexCache = Mutex<[String: [String]]?>(nil)

  /// Opens the output folder, creating it (mkdir -p) and `.swapsync/tmp/` when missing.
  /// Refuses a `.swapsync` or `tmp` that is a symbolic link or not a folder.
  public init(root: String) throws(FileSystemError) {
    let rootPath = Posix.absolutePath(root)
    let stateDir = rootPath == "/" ? "/" + Self.stateFolderName : rootPath + "/" + Self.stateFolderName
    let tempDir = stateDir + "/" + Self.tempFolderName
    try Posix.makeDirectories(rootPath)
    let rootFD = try Posix.openDirectory(rootPath)
    let stateFD: Int32
    let tempFD: Int32
    do throws(FileSystemError) {
      guard let fd = try Self.openFolder(Self.stateFolderName, in: rootFD, create: true, path: stateDir)
      else {
        throw .io(operation: "create folder", path: stateDir, errno: ENOENT)
      }
      stateFD = fd
    } catch {
      Posix.closeQuietly(rootFD)
      throw error
    }
    do throws(FileSystemError) {
      guard let fd = try Self.openFolder(Self.tempFolderName, in: stateFD, create: true, path: tempDir) else {
        throw .io(operation: "create folder", path: tempDir, errno: ENOENT)
      }
      tempFD = fd
    } catch {
      Posix.closeQuietly(stateFD)
      Posix.closeQuietly(rootFD)
      throw error
    }
    self.rootPath = rootPath
    self.stateDir = stateDir
    self.tempDir = tempDir
    self.rootFD = rootFD
    self.stateFD = stateFD
    self.tempFD = tempFD
  }

  /// Opens an existing output folder for reading only (hashing outputs): creates nothing and
  /// needs no `.swapsync/`, as in a fresh clone with committed outputs. Anything that writes
  /// through it fails (its state descriptors are -1: EBADF).
  public init(readingRoot root: String) throws(FileSystemError) {
    rootPath = Posix.absolutePath(root)
    stateDir = rootPath == "/" ? "/" + Self.stateFolderName : rootPath + "/" + Self.stateFolderName
    tempDir = stateDir + "/" + Self.tempFolderName
    rootFD = try Posix.openDirectory(rootPath)
    stateFD = -1
    tempFD = -1
  }

  deinit {
    Posix.closeQuietly(tempFD)
    Posix.closeQuietly(stateFD)
    Posix.closeQuietly(rootFD)
  }

  /// Creates a new empty `<16 hex>.part` file in `.swapsync/tmp/` (O_CREAT|O_EXCL, mode 0644).
  public func makeTempFile() throws(FileSystemError) -> TempFile {
    var code: Int32 = EEXIST
    for _ in 0..<8 {
      let name = Posix.randomHex() + Self.tempSuffix
      let fd = Posix.openat(tempFD, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, Posix.fileMode)
      if fd >= 0 { return TempFile(fd: fd, name: name, path: tempDir + "/" + name) }
      code = errno
      if code != EEXIST { break }
    }
    throw .io(operation: "create a temporary file in", path: tempDir, errno: code)
  }

  /// Closes and deletes a temporary file that will not be installed. Best effort: a leftover
  /// is removed by `cleanTemporaries()` at the start of the next run.
  public func discard(_ temp: TempFile) {
    temp.closeQuietly()
    _ = unlinkat(tempFD, temp.name, 0)
  }

  /// The bytes written so far to `temp`, read through a descriptor of its own.
  public func read(_ temp: TempFile) throws(FileSystemError) -> [UInt8] {
    let fd = Posix.openat(tempFD, temp.name, O_RDONLY | O_NOFOLLOW)
    guard fd >= 0 else { throw .io(operation: "read", path: temp.path, errno: errno) }
    defer { Posix.closeQuietly(fd) }
    return try Posix.readToEnd(fd, path: temp.path)
  }

  /// Makes a finished temporary file visible at `relativePath`, atomically and durably.
  ///
  /// Order: fsync the file, run `beforeRename` (the caller's wait for its install intent to be
  /// durable), close the file, open/create the parent folders one component at a time (each
  /// new folder's parent synced), refuse a link or folder at the destination, rename the
  /// temporary file over the destination, fsync the destination folder. Like PostgreSQL's
  /// `durable_rename`, only the destination's folder is synced: a crash that keeps the name in
  /// `.swapsync/tmp/` too leaves a stale temporary file, which the next run deletes
  /// (`cleanTemporaries()`). When this returns, the output survives a crash. It consumes `temp`
  /// either way: on failure the temporary file is deleted and an existing output is left untouched.
  ///
  /// The rename replaces only what `occupant` allows (`rename(_:to:in:path:replacing:)`), else
  /// nothing is renamed and `.changed` is thrown. Returns where a file saved at the output at the
  /// very moment it was replaced is kept (`.file` only), else nil.
  @discardableResult
  public func install(
    _ temp: TempFile, at relativePath: String, replacing occupant: Occupant = .any,
    beforeRename: () throws(FileSystemError) -> Void = {}
  ) throws(FileSystemError) -> String? {
    let path = display(relativePath)
    let parts: [String]
    do throws(FileSystemError) {
      parts = try components(of: relativePath)
      try Posix.syncFile(temp.fd, path: temp.path)
      try beforeRename()
    } catch {
      discard(temp)
      throw error
    }
    let chain: DirectoryChain
    let name = parts[parts.count - 1]
    var exchanged = false
    // Where an exchange may bring out a file saved at the output at that very moment, the
    // temporary file is renamed so that a kill before `settleExchange` leaves that save under a
    // name the next run does not delete without a look (`cleanTemporaries(isRecorded:)`).
    var tempName = temp.name
    do throws(FileSystemError) {
      try temp.close()
      if case .file = occupant {
        let renamed = String(temp.name.dropLast(Self.tempSuffix.count)) + Self.exchangeSuffix
        if Posix.retrying({ renameat(tempFD, temp.name, tempFD, renamed) }) != 0 {
          throw .io(operation: "rename", path: temp.path, errno: errno)
        }
        tempName = renamed
      }
      guard let opened = try walkParents(parts, create: true) else {
        throw .io(operation: "create folder for", path: path, errno: ENOENT)
      }
      chain = opened
      do throws(FileSystemError) {
        try refuseNonRegular(name, in: chain.parent, path: path)
        exchanged = try rename(tempName, to: name, in: chain.parent, path: path, replacing: occupant)
      } catch {
        chain.close()
        throw error
      }
    } catch {
      // Cleanup after a failure that is already being reported; ENOENT is fine.
      _ = unlinkat(tempFD, tempName, 0)
      throw error
    }
    defer { chain.close() }
    var kept: String?
    if exchanged, case .file(let file) = occupant {
      kept = try settleExchange(tempName, from: relativePath, name: name, in: chain.parent, expected: file)
    }
    try Posix.syncFile(chain.parent, path: Posix.directoryName(path))
    return kept
  }

  /// Copies the installed output `relativeSource` to `relativePath` (new temp file + install,
  /// `occupant` as there), for two outputs produced by one job. Returns the digest of the copied
  /// bytes, and where a file saved at the output at that very moment is kept.
  @discardableResult
  public func installCopy(
    of relativeSource: String, at relativePath: String, replacing occupant: Occupant = .any
  )
    throws(FileSystemError) -> (digest: FileDigest, kept: String?)
  {
    let sourcePath = display(relativeSource)
    guard let source = try openRegularFile(relativeSource) else {
      throw .io(operation: "copy", path: sourcePath, errno: ENOENT)
    }
    defer { Posix.closeQuietly(source) }
    let temp = try makeTempFile()
    let digest: FileDigest
    do throws(FileSystemError) {
      digest = try Self.stream(source, path: sourcePath) { (chunk) throws(FileSystemError) in
        try temp.write(chunk)
      }
    } catch {
      discard(temp)
      throw error
    }
    return (digest, try install(temp, at: relativePath, replacing: occupant))
  }

  /// Throws unless `name` in `folderFD` is missing or a regular file (never a link or folder);
  /// with `expecting`, unless it is that very file (`.changed`).
  func refuseNonRegular(_ name: String, in folderFD: Int32, path: String, expecting: FileStat? = nil)
    throws(FileSystemError)
  {
    let (info, code) = Posix.fileStatus(folderFD, name)
    guard let info else {
      if code == ENOENT {
        if expecting != nil { throw .changed(path: path) }
        return
      }
      throw .io(operation: "inspect", path: path, errno: code)
    }
    if Posix.isKind(info, S_IFLNK) { throw .symlinkRefused(path: path) }
    if !Posix.isKind(info, S_IFREG) { throw .notARegularFile(path: path) }
    if let expecting, !FileStat(info).isSameFile(as: expecting) { throw .changed(path: path) }
  }
}
