import Crypto

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension OutputFolder {
  /// `lstat` of an output relative to the root; nil when it does not exist. Throws when a parent
  /// folder is a link or not a folder.
  public func stat(relativePath: String) throws(FileSystemError) -> FileStat? {
    let parts = try components(of: relativePath)
    guard let chain = try walkParents(parts, create: false) else { return nil }
    defer { chain.close() }
    let (info, code) = Posix.fileStatus(chain.parent, parts[parts.count - 1])
    guard let info else {
      if code == ENOENT || code == ENOTDIR { return nil }
      throw .io(operation: "inspect", path: display(relativePath), errno: code)
    }
    return FileStat(info)
  }

  /// Whether a regular file (not a link) is at `relativePath`.
  public func exists(relativePath: String) -> Bool {
    do {
      return try stat(relativePath: relativePath)?.kind == .regular
    } catch {
      return false
    }
  }

  /// SHA-256, size and image type of an output, read in 64 KiB chunks. Nil when it does not
  /// exist; throws on a link or a non-regular file.
  public func hash(relativePath: String) throws(FileSystemError) -> FileDigest? {
    try hashWithStat(relativePath: relativePath)?.digest
  }

  /// The digest together with the file's status before and after reading (for the stat cache:
  /// if they differ, the file changed while it was being read).
  func hashWithStat(relativePath: String) throws(FileSystemError) -> (
    digest: FileDigest, before: FileStat, after: FileStat
  )? {
    let path = display(relativePath)
    guard let fd = try openRegularFile(relativePath) else { return nil }
    defer { Posix.closeQuietly(fd) }
    let before = try Self.status(of: fd, path: path)
    let digest = try Self.stream(fd, path: path) { (_: UnsafeRawBufferPointer) throws(FileSystemError) in }
    let after = try Self.status(of: fd, path: path)
    return (digest, before, after)
  }

  /// Deletes an output (never a link or folder), syncs its folder, then removes parent folders
  /// that became empty, up to but not including the root. Returns false when nothing was there.
  @discardableResult
  public func remove(relativePath: String) throws(FileSystemError) -> Bool {
    let path = display(relativePath)
    let parts = try components(of: relativePath)
    guard let chain = try walkParents(parts, create: false) else { return false }
    defer { chain.close() }
    let name = parts[parts.count - 1]
    let (info, code) = Posix.fileStatus(chain.parent, name)
    guard let info else {
      if code == ENOENT { return false }
      throw .io(operation: "inspect", path: path, errno: code)
    }
    if Posix.isKind(info, S_IFLNK) { throw .symlinkRefused(path: path) }
    if !Posix.isKind(info, S_IFREG) { throw .notARegularFile(path: path) }
    if Posix.retrying({ unlinkat(chain.parent, name, 0) }) != 0 {
      throw .io(operation: "remove", path: path, errno: errno)
    }
    try Posix.syncFile(chain.parent, path: Posix.directoryName(path))
    for index in stride(from: parts.count - 2, through: 0, by: -1) {
      let holder = chain.folder(holding: index)
      let folderPath = display(parts[0...index].joined(separator: "/"))
      if Posix.retrying({ unlinkat(holder, parts[index], AT_REMOVEDIR) }) != 0 {
        let code = errno
        // Not empty (or busy): the folder stays, and so do all above it.
        if code == ENOTEMPTY || code == EEXIST || code == EBUSY || code == ENOENT { break }
        throw .io(operation: "remove empty folder", path: folderPath, errno: code)
      }
      try Posix.syncFile(holder, path: Posix.directoryName(folderPath))
    }
    return true
  }

  /// Deletes leftover `*.part` files in `.swapsync/tmp/` (from killed runs). Call only while
  /// holding the run lock, before any download starts. Returns how many were removed, and the
  /// paths of files kept for the user to look at.
  ///
  /// A leftover `*.install` file is what a run killed during an install's exchange left
  /// (`install`): the result about to go in, or what came out of the output. It is deleted when
  /// its bytes are kept elsewhere (another link to it: `.swapsync/replaced/`) or are a result the
  /// lockfile records (`isRecorded`, given a SHA-256); else it may be a save made at the output at
  /// that moment, and it is renamed `<name>.saved`, which no run deletes.
  @discardableResult
  public func cleanTemporaries(isRecorded: (String) -> Bool = { _ in false }) throws(FileSystemError) -> (
    removed: Int, saved: [String]
  ) {
    var removed = 0
    var saved: [String] = []
    for name in try FolderListing.names(in: tempFD, path: tempDir) {
      if name.hasSuffix(Self.exchangeSuffix), try !isDisposable(name, isRecorded: isRecorded) {
        if Posix.retrying({ renameat(tempFD, name, tempFD, name + ".saved") }) != 0 {
          throw .io(operation: "rename", path: tempDir + "/" + name, errno: errno)
        }
        saved.append(tempDir + "/" + name + ".saved")
        continue
      }
      guard name.hasSuffix(Self.tempSuffix) || name.hasSuffix(Self.exchangeSuffix) else { continue }
      if Posix.retrying({ unlinkat(tempFD, name, 0) }) != 0 {
        if errno == ENOENT { continue }
        throw .io(operation: "remove", path: tempDir + "/" + name, errno: errno)
      }
      removed += 1
    }
    if removed > 0 || !saved.isEmpty { try Posix.syncFile(tempFD, path: tempDir) }
    return (removed, saved)
  }

  /// Whether the leftover `name` in `.swapsync/tmp/` holds nothing that is not kept elsewhere.
  private func isDisposable(_ name: String, isRecorded: (String) -> Bool) throws(FileSystemError) -> Bool {
    let path = tempDir + "/" + name
    guard let fd = try Self.openRegular(name, in: tempFD, path: path) else { return true }
    defer { Posix.closeQuietly(fd) }
    let (info, code) = Posix.fileStatus(fd)
    guard let info else { throw .io(operation: "inspect", path: path, errno: code) }
    if info.st_nlink > 1 { return true }
    return isRecorded(try Self.stream(fd, path: path) { _ in }.sha256)
  }

  /// Opens an output read-only without following links; nil when it (or a parent) is missing.
  func openRegularFile(_ relativePath: String) throws(FileSystemError) -> Int32? {
    let path = display(relativePath)
    let parts = try components(of: relativePath)
    guard let chain = try walkParents(parts, create: false) else { return nil }
    defer { chain.close() }
    return try Self.openRegular(parts[parts.count - 1], in: chain.parent, path: path)
  }

  /// `openRegularFile` for a file wanted only with a size in `sizes`: its descriptor and path,
  /// or nil when it is missing or of another size (not read at all).
  func openRegularFile(_ relativePath: String, sizes: ClosedRange<Int>) throws(FileSystemError) -> (
    fd: Int32, path: String
  )? {
    guard let fd = try openRegularFile(relativePath) else { return nil }
    let path = display(relativePath)
    guard let found = try? Self.status(of: fd, path: path), sizes.contains(found.size) else {
      Posix.closeQuietly(fd)
      return nil
    }
    return (fd, path)
  }

  /// Opens `name` in `folderFD` read-only without following a link; nil when it is missing.
  /// Throws when it is not a regular file.
  static func openRegular(_ name: String, in folderFD: Int32, path: String) throws(FileSystemError) -> Int32?
  {
    // O_NONBLOCK: opening a FIFO planted here must not hang the run.
    let fd = Posix.openat(folderFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    if fd < 0 {
      let code = errno
      if code == ENOENT { return nil }
      let error = Self.classify(name, in: folderFD, path: path, errno: code, operation: "open")
      if case .notADirectory = error { throw .notARegularFile(path: path) }
      throw error
    }
    let (info, code) = Posix.fileStatus(fd)
    guard let info else {
      Posix.closeQuietly(fd)
      throw .io(operation: "inspect", path: path, errno: code)
    }
    if !Posix.isKind(info, S_IFREG) {
      Posix.closeQuietly(fd)
      throw .notARegularFile(path: path)
    }
    return fd
  }

  static func status(of fd: Int32, path: String) throws(FileSystemError) -> FileStat {
    let (info, code) = Posix.fileStatus(fd)
    guard let info else { throw .io(operation: "inspect", path: path, errno: code) }
    return FileStat(info)
  }

  /// Reads `fd` to the end in 64 KiB chunks, hashing as it goes and handing each chunk to `sink`.
  static func stream(
    _ fd: Int32, path: String, into sink: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void
  ) throws(FileSystemError) -> FileDigest {
    var hasher = SHA256()
    var size = 0
    var head: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: chunkSize)
    while true {
      var failure: FileSystemError?
      let count = buffer.withUnsafeMutableBytes { raw -> Int in
        do throws(FileSystemError) {
          let count = try Posix.readSome(fd, raw, path: path)
          let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
          hasher.update(bufferPointer: chunk)
          if head.count < ImageType.sniffLength {
            head.append(contentsOf: chunk.prefix(ImageType.sniffLength - head.count))
          }
          try sink(chunk)
          return count
        } catch {
          failure = error
          return 0
        }
      }
      if let failure { throw failure }
      if count == 0 { break }
      size += count
    }
    return FileDigest(sha256: Posix.hex(hasher.finalize()), size: size, type: ImageType.sniff(head))
  }
}
