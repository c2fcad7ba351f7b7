import CPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Bytes an install is about to replace that are not the output's recorded result (a `modified`
/// output: edited, or adopted on a branch whose record a merge dropped) are kept aside first, so
/// a repair never destroys the only copy of someone's file (docs/safety.md, "Replaced files").
extension OutputFolder {
  static let replacedFolderName = "replaced"

  /// Keeps the regular file at `relativePath`, whose bytes are `digest` and whose identity is
  /// `file` (as hashed), as
  /// `.swapsync/replaced/<folders>/<stem>.<first 12 hex digits of its sha256>.<extension>`:
  /// a hard link where the file system allows one, else a copy (file fsynced). The kept file's
  /// folder is fsynced before this returns, so the caller may then replace the output, passing
  /// `file` as `install`'s `expecting`. A regular file already at that name with the same bytes
  /// (kept by an earlier run) is left as it is.
  ///
  /// - Returns: the kept file's path, for the message that tells the user where it is.
  /// - Throws: `FileSystemError` when the bytes cannot be kept (the output must then not be
  ///   replaced): `.changed` when the output is no longer `file`; a link, a special file or
  ///   other bytes at the kept name (never followed, never replaced).
  public func keepAside(_ relativePath: String, digest: FileDigest, file: FileStat) throws(FileSystemError)
    -> String
  {
    let kept = try keptLocation(of: relativePath, sha256: digest.sha256)
    try withKeptFolder(kept, create: true) { (folder) throws(FileSystemError) in
      try keep(relativePath, digest: digest, file: file, as: kept, in: folder)
    }
    return kept.path
  }

  /// `keepAside`'s work, in the kept file's folder `folderFD`.
  private func keep(
    _ relativePath: String, digest: FileDigest, file: FileStat, as kept: KeptLocation, in folderFD: Int32
  ) throws(FileSystemError) {
    let parts = try components(of: relativePath)
    guard let source = try walkParents(parts, create: false) else {
      throw .changed(path: display(relativePath))
    }
    defer { source.close() }
    let name = parts[parts.count - 1]
    if Posix.retrying({ linkat(source.parent, name, folderFD, kept.name, 0) }) == 0 {
      // The name was linked, not the descriptor hashed: it must still be that file.
      let (info, _) = Posix.fileStatus(folderFD, kept.name)
      if info.map({ !FileStat($0).isSameFile(as: file) }) ?? true {
        _ = unlinkat(folderFD, kept.name, 0)
        throw .changed(path: display(relativePath))
      }
    } else {
      switch errno {
      case EEXIST:
        try checkKept(kept.name, in: folderFD, path: kept.path, holds: digest, file: file)
      case ENOENT:
        throw .changed(path: display(relativePath))
      case EXDEV, EPERM, EMLINK, EOPNOTSUPP:
        try copyAside(relativePath, to: kept.name, in: folderFD, path: kept.path, file: file)
      default:
        throw .io(operation: "keep a copy of \(display(relativePath)) as", path: kept.path, errno: errno)
      }
    }
    try Posix.syncFile(folderFD, path: Posix.directoryName(kept.path))
  }

  /// Moves `.swapsync/tmp/<tempName>`, a file an install found at `relativePath` where it
  /// expected another (saved there at that very moment, `install`), to the name `keepAside`
  /// gives its bytes, and fsyncs that folder. What is already at that name is never replaced:
  /// the same bytes there keep them (the temporary name is then removed), anything else throws.
  /// Returns the kept file's path.
  func keepDisplaced(_ tempName: String, from relativePath: String) throws(FileSystemError) -> String {
    let path = tempDir + "/" + tempName
    guard let fd = try Self.openRegular(tempName, in: tempFD, path: path) else {
      throw .io(operation: "keep", path: path, errno: ENOENT)
    }
    defer { Posix.closeQuietly(fd) }
    let file = try Self.status(of: fd, path: path)
    let digest = try Self.stream(fd, path: path) { (_: UnsafeRawBufferPointer) throws(FileSystemError) in }
    let kept = try keptLocation(of: relativePath, sha256: digest.sha256)
    try withKeptFolder(kept, create: true) { (folder) throws(FileSystemError) in
      if Posix.retrying({ swapsync_renameat2(tempFD, tempName, folder, kept.name, 0) }) != 0 {
        let code = errno
        let exists = code == EEXIST || Posix.fileStatus(folder, kept.name).0 != nil
        if exists {
          try checkKept(kept.name, in: folder, path: kept.path, holds: digest, file: file)
          _ = unlinkat(tempFD, tempName, 0)
        } else if ![EINVAL, ENOSYS, EOPNOTSUPP].contains(code)
          || Posix.retrying({ renameat(tempFD, tempName, folder, kept.name) }) != 0
        {
          throw .io(operation: "move \(path) to", path: kept.path, errno: errno)
        }
      }
      try Posix.syncFile(folder, path: Posix.directoryName(kept.path))
    }
    return kept.path
  }

  /// Runs `body` with the open folder that holds `kept` (made, with `create`); nil when it
  /// does not exist (without `create`). Links are refused, never followed.
  @discardableResult
  private func withKeptFolder<T>(
    _ kept: KeptLocation, create: Bool, _ body: (Int32) throws(FileSystemError) -> T
  ) throws(FileSystemError) -> T? {
    guard
      let replacedFD = try Self.openFolder(
        Self.replacedFolderName, in: stateFD, create: create, path: display(kept.base))
    else {
      if create { throw .io(operation: "create folder", path: display(kept.base), errno: ENOENT) }
      return nil
    }
    defer { Posix.closeQuietly(replacedFD) }
    if create { replacedFolderSeen.withLock { $0 = true } }
    guard let folders = try walkParents(kept.parts, create: create, from: (replacedFD, kept.base)) else {
      if create { throw .io(operation: "create folder for", path: kept.path, errno: ENOENT) }
      return nil
    }
    defer { folders.close() }
    return try body(folders.parent)
  }

  /// Throws unless `name` in `folderFD` is a regular file (not followed) holding `digest`: the
  /// output's own file (`file`), or the same bytes kept by an earlier run.
  private func checkKept(
    _ name: String, in folderFD: Int32, path: String, holds digest: FileDigest, file: FileStat
  ) throws(FileSystemError) {
    guard let fd = try Self.openRegular(name, in: folderFD, path: path) else {
      throw .io(operation: "keep a copy as", path: path, errno: ENOENT)
    }
    defer { Posix.closeQuietly(fd) }
    let found = try Self.status(of: fd, path: path)
    if found.isSameFile(as: file) { return }
    guard found.size == digest.size,
      try Self.stream(fd, path: path, into: { (_: UnsafeRawBufferPointer) throws(FileSystemError) in })
        .sha256 == digest.sha256
    else {
      throw .io(
        operation: "keep a copy as (other bytes are there; move them away)", path: path, errno: EEXIST)
    }
  }

  /// Opens, read-only, the file `keepAside` makes for `relativePath` holding bytes with
  /// `sha256`, so that a repair can take the recorded result from there (a branch switched
  /// back). Returns its descriptor and path, or nil when there is none or its size is not in
  /// `sizes`; the caller verifies the bytes it reads, and closes the descriptor.
  public func openKept(_ relativePath: String, sha256: String, sizes: ClosedRange<Int>)
    throws(FileSystemError) -> (
      fd: Int32, path: String
    )?
  {
    let kept = try keptLocation(of: relativePath, sha256: sha256)
    let opened = try withKeptFolder(kept, create: false) { (folder) throws(FileSystemError) -> Int32? in
      try Self.openRegular(kept.name, in: folder, path: kept.path)
    }
    guard let fd = opened ?? nil else { return nil }
    // A file of another size is not the one wanted: not worth reading.
    guard let found = try? Self.status(of: fd, path: kept.path), sizes.contains(found.size) else {
      Posix.closeQuietly(fd)
      return nil
    }
    return (fd, kept.path)
  }

  /// Where the bytes `sha256` of output `relativePath` are kept: `parts` and `name` relative to
  /// `base` (`.swapsync/replaced`), and the full `path` for messages.
  struct KeptLocation {
    var base: String
    var parts: [String]
    var name: String
    var path: String
  }

  private func keptLocation(of relativePath: String, sha256: String) throws(FileSystemError) -> KeptLocation {
    let parts = try components(of: relativePath)
    let name = Self.keptName(parts[parts.count - 1], sha256: sha256)
    let base = Self.stateFolderName + "/" + Self.replacedFolderName
    let keptParts = Array(parts.dropLast()) + [name]
    return KeptLocation(
      base: base, parts: keptParts, name: name, path: display(base + "/" + keptParts.joined(separator: "/")))
  }

  /// Whether `.swapsync/replaced/` exists (looked at once per folder: most never have one).
  var hasReplacedFolder: Bool {
    replacedFolderSeen.withLock { seen in
      if seen == nil { seen = Posix.fileStatus(stateFD, Self.replacedFolderName).0 != nil }
      return seen ?? false
    }
  }

  /// `photo.png` with sha256 `0123456789abcdef…` → `photo.0123456789ab.png`.
  static func keptName(_ name: String, sha256: String) -> String {
    let tag = String(sha256.prefix(12))
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + "." + tag }
    return name[..<dot] + "." + tag + name[dot...]
  }

  /// Copies the output's bytes into a temporary file, fsyncs it and renames it to `keptName`.
  private func copyAside(
    _ relativePath: String, to keptName: String, in folderFD: Int32, path: String, file: FileStat
  ) throws(FileSystemError) {
    guard let source = try openRegularFile(relativePath),
      (try? Self.status(of: source, path: path))?.isSameFile(as: file) == true
    else { throw .changed(path: display(relativePath)) }
    defer { Posix.closeQuietly(source) }
    let temp = try makeTempFile()
    do throws(FileSystemError) {
      _ = try Self.stream(source, path: display(relativePath)) { (chunk) throws(FileSystemError) in
        try temp.write(chunk)
      }
      try Posix.syncFile(temp.fd, path: temp.path)
      try temp.close()
      if Posix.retrying({ renameat(tempFD, temp.name, folderFD, keptName) }) != 0 {
        throw .io(operation: "move a copy to", path: path, errno: errno)
      }
    } catch {
      discard(temp)
      throw error
    }
  }
}
