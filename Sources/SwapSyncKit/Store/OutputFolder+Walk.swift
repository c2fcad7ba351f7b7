#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The open folders along a relative path, from the output root down to the file's parent.
struct DirectoryChain {
  let rootFD: Int32
  /// Descriptors this chain opened (not the root), outermost first.
  var opened: [Int32] = []

  /// The folder that holds the final component.
  var parent: Int32 { opened.last ?? rootFD }

  /// The folder holding component `index` of the path (the root for index 0).
  func folder(holding index: Int) -> Int32 { index == 0 ? rootFD : opened[index - 1] }

  func close() {
    for fd in opened { Posix.closeQuietly(fd) }
  }
}

extension OutputFolder {
  /// Splits and checks a relative output path: no absolute path, no empty, `.` or `..` segment,
  /// no NUL, nothing inside `.swapsync/`. Callers validate too; this is defence in depth.
  func components(of relativePath: String) throws(FileSystemError) -> [String] {
    let display = self.display(relativePath)
    if relativePath.isEmpty || relativePath.hasPrefix("/") || relativePath.utf8.contains(0) {
      throw .outsideRoot(path: display)
    }
    let parts = relativePath.pathSegments()
    for part in parts where part.isEmpty || part == "." || part == ".." {
      throw .outsideRoot(path: display)
    }
    if parts[0] == OutputFolder.stateFolderName { throw .outsideRoot(path: display) }
    return parts
  }

  /// Opens every parent folder of `parts` without following links. With `create`, missing
  /// folders are made (and their parent synced); without it, nil is returned when one is missing.
  /// `base` starts the walk in another folder of the tree, named by its relative path (for
  /// `.swapsync/replaced/`, which `components(of:)` keeps outputs out of).
  func walkParents(
    _ parts: [String], create: Bool, from base: (fd: Int32, relativePath: String)? = nil
  ) throws(FileSystemError) -> DirectoryChain? {
    var chain = DirectoryChain(rootFD: base?.fd ?? rootFD)
    let prefix = base.map { $0.relativePath + "/" } ?? ""
    for index in 0..<(parts.count - 1) {
      let path = display(prefix + parts[0...index].joined(separator: "/"))
      do throws(FileSystemError) {
        guard let fd = try Self.openFolder(parts[index], in: chain.parent, create: create, path: path) else {
          chain.close()
          return nil
        }
        chain.opened.append(fd)
      } catch {
        chain.close()
        throw error
      }
    }
    return chain
  }

  /// Opens (optionally creating) one folder inside `parentFD`, refusing links and non-folders.
  static func openFolder(
    _ name: String, in parentFD: Int32, create: Bool, path: String
  ) throws(FileSystemError) -> Int32? {
    for _ in 0..<4 {
      let fd = Posix.openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
      if fd >= 0 { return fd }
      let code = errno
      guard code == ENOENT else {
        throw classify(name, in: parentFD, path: path, errno: code, operation: "open")
      }
      if !create { return nil }
      if Posix.retrying({ mkdirat(parentFD, name, Posix.directoryMode) }) == 0 {
        // The new folder's entry must be durable before anything inside it is relied upon.
        try Posix.syncFile(parentFD, path: Posix.directoryName(path))
        continue
      }
      if errno != EEXIST { throw .io(operation: "create folder", path: path, errno: errno) }
    }
    throw .io(operation: "create folder", path: path, errno: EAGAIN)
  }

  /// Turns a failed open of `name` into the most useful error (link, wrong kind, or the OS error).
  static func classify(
    _ name: String, in parentFD: Int32, path: String, errno code: Int32, operation: String
  ) -> FileSystemError {
    if code == ELOOP || code == ENOTDIR || code == EMLINK {
      let (info, _) = Posix.fileStatus(parentFD, name)
      if let info {
        if Posix.isKind(info, S_IFLNK) { return .symlinkRefused(path: path) }
        if !Posix.isKind(info, S_IFDIR) { return .notADirectory(path: path) }
      }
    }
    return .io(operation: operation, path: path, errno: code)
  }

  /// The full path of a relative path, for messages.
  func display(_ relativePath: String) -> String {
    relativePath.isEmpty ? rootPath : rootPath + "/" + relativePath
  }
}
