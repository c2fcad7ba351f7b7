#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Lists the names in an open folder without following the folder's path again.
enum FolderListing {
  /// Every entry name except `.` and `..`.
  static func names(in folderFD: Int32, path: String) throws(FileSystemError) -> [String] {
    // A fresh open file description, so the listing starts at the beginning every time.
    let fd = Posix.openat(folderFD, ".", O_RDONLY | O_DIRECTORY)
    if fd < 0 { throw .io(operation: "list", path: path, errno: errno) }
    guard let stream = fdopendir(fd) else {
      let code = errno
      Posix.closeQuietly(fd)
      throw .io(operation: "list", path: path, errno: code)
    }
    defer { closedir(stream) }
    var names: [String] = []
    while true {
      errno = 0
      guard let entry = readdir(stream) else {
        if errno != 0 { throw .io(operation: "list", path: path, errno: errno) }
        return names
      }
      let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
        pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
          String(cString: $0)
        }
      }
      if name != "." && name != ".." { names.append(name) }
    }
  }
}
