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
    let parts = try components(of: relativePath)
    let keptName = Self.keptName(parts[parts.count - 1], sha256: digest.sha256)
    let keptRelative =
      ([Self.stateFolderName, Self.replacedFolderName] + Array(parts.dropLast()) + [keptName])
      .joined(separator: "/")
    let keptPath = display(keptRelative)
    let replacedRelative = Self.stateFolderName + "/" + Self.replacedFolderName
    guard
      let replacedFD = try Self.openFolder(
        Self.replacedFolderName, in: stateFD, create: true, path: display(replacedRelative))
    else { throw .io(operation: "create folder", path: display(replacedRelative), errno: ENOENT) }
    defer { Posix.closeQuietly(replacedFD) }
    guard
      let kept = try walkParents(
        Array(parts.dropLast()) + [keptName], create: true, from: (replacedFD, replacedRelative))
    else { throw .io(operation: "create folder for", path: keptPath, errno: ENOENT) }
    defer { kept.close() }
    guard let source = try walkParents(parts, create: false) else {
      throw .io(operation: "keep", path: display(relativePath), errno: ENOENT)
    }
    defer { source.close() }
    let name = parts[parts.count - 1]
    if Posix.retrying({ linkat(source.parent, name, kept.parent, keptName, 0) }) != 0 {
      switch errno {
      case EEXIST:
        break
      case EXDEV, EPERM, EMLINK, EOPNOTSUPP:
        try copyAside(relativePath, to: keptName, in: kept.parent, path: keptPath)
      default:
        throw .io(operation: "keep a copy of \(display(relativePath)) as", path: keptPath, errno: errno)
      }
    }
    try Posix.syncFile(kept.parent, path: Posix.directoryName(keptPath))
    return keptPath
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
