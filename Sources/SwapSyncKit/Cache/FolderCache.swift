import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The folder backend (docs/cache.md): objects at `<root>/sha256/ab/<64 hex>`, written to
/// `<root>/tmp/` first, synced, then linked into place. A link never replaces an existing object,
/// so a crash or a second writer can never leave a partial object under a content address.
struct FolderCache: ContentCache {
  /// Absolute path of the cache folder.
  let root: String

  static let temporaryFolder = "tmp"
  /// A temporary file this old was left by a writer that died; removed before the next store.
  static let staleTemporaryAge: TimeInterval = 24 * 3600

  func path(of object: CacheObject) -> String { root + "/" + object.relativeKey }

  func probe(_ object: CacheObject) async throws(CacheError) -> CacheProbe {
    let path = path(of: object)
    guard let fd = try openObject(path) else { return .absent }
    defer { Posix.closeQuietly(fd) }
    if let problem = Self.notARegularFile(fd) { return .damaged(problem) }
    let digest: FileDigest
    do {
      digest = try OutputFolder.stream(fd, path: path) {
        (_: UnsafeRawBufferPointer) throws(FileSystemError) in
      }
    } catch {
      throw .unavailable("\(error)")
    }
    if digest.size == object.size && digest.sha256 == object.sha256 { return .present }
    return .damaged("\(path) holds \(digest.size) bytes with sha256 \(digest.sha256)")
  }

  func fetch(_ object: CacheObject, into descriptor: Int32) async throws(CacheError) -> CacheFetch {
    let path = path(of: object)
    guard let fd = try openObject(path) else { return .absent }
    defer { Posix.closeQuietly(fd) }
    if let problem = Self.notARegularFile(fd) { return .damaged(problem) }
    let (info, _) = Posix.fileStatus(fd)
    if let info, Int(info.st_size) > object.size {
      return .damaged("\(path) holds \(info.st_size) bytes, \(object.size) expected")
    }
    guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
      throw .unavailable("cannot write the temporary file: \(Posix.message(errno))")
    }
    do {
      let digest = try OutputFolder.stream(fd, path: path) { (chunk) throws(FileSystemError) in
        try Posix.writeFully(descriptor, chunk, path: "the temporary file for \(path)")
      }
      return .fetched(sha256: digest.sha256, size: digest.size, type: digest.type)
    } catch {
      throw .unavailable("\(error)")
    }
  }

  func store(_ object: CacheObject, from source: Int32, replacing: Bool) async throws(CacheError) {
    let final = path(of: object)
    let shard = Posix.directoryName(final)
    let temporaries = root + "/" + Self.temporaryFolder
    do {
      try Posix.makeDirectories(shard)
      try Posix.makeDirectories(temporaries)
    } catch {
      throw .unavailable("\(error)")
    }
    let name = Posix.randomHex() + ".part"
    let temp = temporaries + "/" + name
    let fd = Posix.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, Posix.fileMode)
    guard fd >= 0 else { throw .unavailable("cannot create \(temp): \(Posix.message(errno))") }
    do throws(CacheError) {
      try copy(source, to: fd, temp: temp, object: object)
      if replacing, unlink(final) != 0, errno != ENOENT {
        if errno == EISDIR {
          // Not something a damaged write leaves: someone's folder, which is not ours to delete.
          throw .refused(
            "a folder is at \(final), where that object goes; swapsync never deletes a folder: remove it")
        }
        throw .unavailable("cannot remove the damaged \(final): \(Posix.message(errno))")
      }
      // link(2) fails with EEXIST instead of replacing: another writer got there first, with
      // the same content by construction.
      if link(temp, final) != 0 && errno != EEXIST {
        throw .unavailable("cannot link \(final): \(Posix.message(errno))")
      }
    } catch {
      _ = unlink(temp)
      throw error
    }
    _ = unlink(temp)
    do {
      for folder in [shard, temporaries] {
        let folderFD = try Posix.openDirectory(folder)
        defer { Posix.closeQuietly(folderFD) }
        try Posix.syncFile(folderFD, path: folder)
      }
    } catch {
      throw .unavailable("\(error)")
    }
  }

  func prepareToStore() async {
    let temporaries = root + "/" + Self.temporaryFolder
    let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaries)) ?? []
    for name in names where name.hasSuffix(".part") {
      let path = temporaries + "/" + name
      let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
      guard let modified, -modified.timeIntervalSinceNow > Self.staleTemporaryAge else { continue }
      _ = unlink(path)
    }
  }

  /// Copies `source` from its start into the temporary file, checking the bytes against
  /// `object`, then syncs and closes the file (closed on every path).
  private func copy(_ source: Int32, to fd: Int32, temp: String, object: CacheObject) throws(CacheError) {
    let digest: FileDigest
    do {
      guard lseek(source, 0, SEEK_SET) == 0 else {
        throw FileSystemError.io(operation: "seek", path: "the output to push", errno: errno)
      }
      digest = try OutputFolder.stream(source, path: "the output to push") {
        (chunk) throws(FileSystemError) in
        try Posix.writeFully(fd, chunk, path: temp)
      }
      try Posix.syncFile(fd, path: temp)
    } catch {
      Posix.closeQuietly(fd)
      throw .unavailable("\(error)")
    }
    do {
      try Posix.closeFile(fd, path: temp)
    } catch {
      throw .unavailable("\(error)")
    }
    guard digest.sha256 == object.sha256, digest.size == object.size else {
      throw .sourceChanged("the output changed on disk since it was recorded; not pushed")
    }
  }

  /// Opens an object read-only; nil when it is not there.
  private func openObject(_ path: String) throws(CacheError) -> Int32? {
    let fd = Posix.open(path, O_RDONLY | O_NONBLOCK)
    if fd >= 0 { return fd }
    if errno == ENOENT || errno == ENOTDIR { return nil }
    throw .unavailable("cannot open \(path): \(Posix.message(errno))")
  }

  private static func notARegularFile(_ fd: Int32) -> String? {
    let (info, code) = Posix.fileStatus(fd)
    guard let info else { return "cannot inspect the object: \(Posix.message(code))" }
    return Posix.isKind(info, S_IFREG) ? nil : "the object is not a regular file"
  }
}
