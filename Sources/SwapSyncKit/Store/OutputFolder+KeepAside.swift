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

  /// Keeps the regular file at `relativePath`, whose bytes are `digest`, as
  /// `.swapsync/replaced/<folders>/<stem>.<first 12 hex digits of its sha256>.<extension>`:
  /// a hard link where the file system allows one, else a copy (file fsynced). The kept file's
  /// folder is fsynced before this returns, so the caller may then replace the output. A name
  /// already there holds the same bytes (kept by an earlier run) and is left as it is.
  ///
  /// - Returns: the kept file's path, for the message that tells the user where it is.
  /// - Throws: `FileSystemError` when the file cannot be kept; the output must then not be
  ///   replaced.
  public func keepAside(_ relativePath: String, digest: FileDigest) throws(FileSystemError) -> String {
    let kept = try keptLocation(of: relativePath, sha256: digest.sha256)
    guard
      let replacedFD = try Self.openFolder(
        Self.replacedFolderName, in: stateFD, create: true, path: display(kept.base))
    else { throw .io(operation: "create folder", path: display(kept.base), errno: ENOENT) }
    defer { Posix.closeQuietly(replacedFD) }
    guard let folders = try walkParents(kept.parts, create: true, from: (replacedFD, kept.base)) else {
      throw .io(operation: "create folder for", path: kept.path, errno: ENOENT)
    }
    defer { folders.close() }
    let parts = try components(of: relativePath)
    guard let source = try walkParents(parts, create: false) else {
      throw .io(operation: "keep", path: display(relativePath), errno: ENOENT)
    }
    defer { source.close() }
    let name = parts[parts.count - 1]
    if Posix.retrying({ linkat(source.parent, name, folders.parent, kept.name, 0) }) != 0 {
      switch errno {
      case EEXIST:
        break
      case EXDEV, EPERM, EMLINK, EOPNOTSUPP:
        try copyAside(relativePath, to: kept.name, in: folders.parent, path: kept.path)
      default:
        throw .io(operation: "keep a copy of \(display(relativePath)) as", path: kept.path, errno: errno)
      }
    }
    try Posix.syncFile(folders.parent, path: Posix.directoryName(kept.path))
    return kept.path
  }

  /// Opens, read-only, the file `keepAside` makes for `relativePath` holding bytes with
  /// `sha256`, so that a repair can take the recorded result from there (a branch switched
  /// back). Returns its descriptor and path, or nil when there is none; the caller verifies the
  /// bytes it reads, and closes the descriptor.
  public func openKept(_ relativePath: String, sha256: String) throws(FileSystemError) -> (
    fd: Int32, path: String
  )? {
    let kept = try keptLocation(of: relativePath, sha256: sha256)
    guard
      let replacedFD = try Self.openFolder(
        Self.replacedFolderName, in: stateFD, create: false, path: display(kept.base))
    else { return nil }
    defer { Posix.closeQuietly(replacedFD) }
    guard let folders = try walkParents(kept.parts, create: false, from: (replacedFD, kept.base)) else {
      return nil
    }
    defer { folders.close() }
    return try Self.openRegular(kept.name, in: folders.parent, path: kept.path).map { ($0, kept.path) }
  }

  /// Where the bytes `sha256` of output `relativePath` are kept: `parts` and `name` relative to
  /// `base` (`.swapsync/replaced`), and the full `path` for messages.
  private func keptLocation(of relativePath: String, sha256: String) throws(FileSystemError) -> (
    base: String, parts: [String], name: String, path: String
  ) {
    let parts = try components(of: relativePath)
    let name = Self.keptName(parts[parts.count - 1], sha256: sha256)
    let base = Self.stateFolderName + "/" + Self.replacedFolderName
    let keptParts = Array(parts.dropLast()) + [name]
    return (base, keptParts, name, display(base + "/" + keptParts.joined(separator: "/")))
  }

  /// `photo.png` with sha256 `0123456789abcdef…` → `photo.0123456789ab.png`.
  static func keptName(_ name: String, sha256: String) -> String {
    let tag = String(sha256.prefix(12))
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + "." + tag }
    return name[..<dot] + "." + tag + name[dot...]
  }

  /// Copies the output's bytes into a temporary file, fsyncs it and renames it to `keptName`.
  private func copyAside(
    _ relativePath: String, to keptName: String, in folderFD: Int32, path: String
  ) throws(FileSystemError) {
    guard let source = try openRegularFile(relativePath) else {
      throw .io(operation: "keep", path: display(relativePath), errno: ENOENT)
    }
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
