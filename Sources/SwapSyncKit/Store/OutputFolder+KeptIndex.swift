import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Finding kept bytes under any output's name: `.swapsync/replaced/` listed once, by the
/// checksum tag `keepAside` puts in each name (docs/safety.md, "Replaced files are kept"), so a
/// result kept when one output's inputs changed serves another output that asks for them.
extension OutputFolder {
  /// Kept files by the 12 hex digits of the SHA-256 in their names: paths relative to
  /// `.swapsync/replaced/`. Listed the first time it is asked for, without following links;
  /// empty without a `replaced/` folder.
  var keptIndex: [String: [String]] {
    keptIndexCache.withLock { index in
      if let index { return index }
      var found: [String: [String]] = [:]
      if hasReplacedFolder,
        let replacedFD = try? Self.openFolder(
          Self.replacedFolderName, in: stateFD, create: false, path: stateDir + "/" + Self.replacedFolderName)
      {
        defer { Posix.closeQuietly(replacedFD) }
        Self.index(replacedFD, prefix: "", depth: 0, into: &found)
      }
      index = found
      return found
    }
  }

  /// Adds the regular files under `folderFD` (relative paths starting with `prefix`) to `index`.
  private static func index(
    _ folderFD: Int32, prefix: String, depth: Int, into index: inout [String: [String]]
  ) {
    guard depth < 64, let names = try? FolderListing.names(in: folderFD, path: prefix) else { return }
    for name in names.sorted() {
      guard let info = Posix.fileStatus(folderFD, name).0 else { continue }
      if Posix.isKind(info, S_IFDIR) {
        guard let fd = try? openFolder(name, in: folderFD, create: false, path: prefix + name) else {
          continue
        }
        defer { Posix.closeQuietly(fd) }
        Self.index(fd, prefix: prefix + name + "/", depth: depth + 1, into: &index)
      } else if Posix.isKind(info, S_IFREG) {
        for tag in checksumTags(name) { index[tag, default: []].append(prefix + name) }
      }
    }
  }

  /// The 12-hex-digit tags a kept name may carry: `stem.<tag>.<ext>` or `name.<tag>`.
  static func checksumTags(_ name: String) -> [String] {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    let isTag = { (part: Substring) in
      part.count == 12 && part.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
    return [parts.dropLast().last, parts.last].compactMap { $0 }.filter(isTag).map(String.init)
  }

  /// Opens, read-only, the kept file at `relativePath` under `.swapsync/replaced/` (as
  /// `keptIndex` gives it), when its size is in `sizes`. Returns its descriptor and full path, or
  /// nil; the caller verifies the bytes and closes the descriptor.
  public func openKept(atKeptPath relativePath: String, sizes: ClosedRange<Int>) throws(FileSystemError) -> (
    fd: Int32, path: String
  )? {
    let base = Self.stateFolderName + "/" + Self.replacedFolderName
    let parts = relativePath.pathSegments()
    guard !parts.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
      let replacedFD = try Self.openFolder(
        Self.replacedFolderName, in: stateFD, create: false, path: display(base))
    else { return nil }
    defer { Posix.closeQuietly(replacedFD) }
    guard let folders = try walkParents(parts, create: false, from: (replacedFD, base)) else { return nil }
    defer { folders.close() }
    let path = display(base + "/" + relativePath)
    guard let fd = try Self.openRegular(parts[parts.count - 1], in: folders.parent, path: path) else {
      return nil
    }
    guard let found = try? Self.status(of: fd, path: path), sizes.contains(found.size) else {
      Posix.closeQuietly(fd)
      return nil
    }
    return (fd, path)
  }
}
