#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The facts `lstat` gives about a path, as far as change detection needs them.
public struct FileStat: Codable, Equatable, Sendable {
  /// What kind of entry the path is (links are not followed).
  public enum Kind: String, Codable, Sendable {
    case regular, directory, symlink, other
  }

  public var kind: Kind
  public var size: Int
  public var mtimeNanoseconds: Int64
  public var ctimeNanoseconds: Int64
  public var inode: UInt64
  public var device: UInt64

  public init(
    kind: Kind, size: Int, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64, inode: UInt64, device: UInt64
  ) {
    self.kind = kind
    self.size = size
    self.mtimeNanoseconds = mtimeNanoseconds
    self.ctimeNanoseconds = ctimeNanoseconds
    self.inode = inode
    self.device = device
  }

  init(_ info: stat) {
    let kind: Kind
    switch info.st_mode & S_IFMT {
    case S_IFREG: kind = .regular
    case S_IFDIR: kind = .directory
    case S_IFLNK: kind = .symlink
    default: kind = .other
    }
    #if canImport(Darwin)
      let mtime = info.st_mtimespec
      let ctime = info.st_ctimespec
    #else
      let mtime = info.st_mtim
      let ctime = info.st_ctim
    #endif
    self.init(
      kind: kind,
      size: Int(info.st_size),
      mtimeNanoseconds: Int64(mtime.tv_sec) * 1_000_000_000 + Int64(mtime.tv_nsec),
      ctimeNanoseconds: Int64(ctime.tv_sec) * 1_000_000_000 + Int64(ctime.tv_nsec),
      inode: UInt64(info.st_ino),
      device: UInt64(info.st_dev)
    )
  }

  /// Whether both describe one file: the same device and inode (its bytes may have changed).
  public func isSameFile(as other: FileStat) -> Bool {
    inode == other.inode && device == other.device
  }
}
