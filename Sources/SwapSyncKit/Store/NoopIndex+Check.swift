import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension NoopIndex.Contents {
  /// Fewer outputs than this are checked on one thread: starting more costs more than it saves.
  static let outputsPerThread = 4_096

  /// Whether every output still has its recorded stat data: one `fstatat` each, relative to an
  /// open descriptor of its folder (so the kernel walks one name, not the whole path), spread over
  /// the machine's cores like git's `core.preloadIndex`, with names built as bytes (no `String`
  /// per output). Stops at the first difference.
  func outputsMatch(outputsPerThread: Int) -> Bool {
    let count = outputOffsets.count
    let threads = max(1, min(count / outputsPerThread, ProcessInfo.processInfo.activeProcessorCount, 8))
    // More parts than threads, so that a thread that started late or hit slow folders does not
    // leave the others idle at the end.
    let parts = threads == 1 ? 1 : threads * 8
    let differs = Atomic<Bool>(false)
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      let range = (count * part / parts)..<(count * (part + 1) / parts)
      var folders = FolderDescriptors(root: root)
      defer { folders.close() }
      bytes.withUnsafeBytes { raw in
        for index in range {
          if differs.load(ordering: .relaxed) { return }
          let offset = outputOffsets[index]
          let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
          let path = UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(offset + 4 + length)])
          guard let now = folders.stat(path), now == Self.stat(raw, at: offset + 4 + length) else {
            differs.store(true, ordering: .relaxed)
            return
          }
        }
      }
    }
    return !differs.load(ordering: .relaxed)
  }
}

/// An open descriptor of the output folder and of the last subfolder an output was in: outputs
/// of one folder follow each other in a manifest, so most `fstatat` calls reuse it. Owned by one
/// thread of `outputsMatch`.
private struct FolderDescriptors {
  let root: Int32
  var folder: [UInt8] = []
  var folderFD: Int32 = -1
  var name: [UInt8] = []

  init(root path: String) {
    root = Posix.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    folderFD = root
  }

  /// `lstat` of `path` (relative to the output folder, not NUL-terminated); nil when it fails.
  mutating func stat(_ path: UnsafeRawBufferPointer) -> FileStat? {
    guard root >= 0 else { return nil }
    let slash = path.lastIndex(of: UInt8(ascii: "/"))
    let folderPart = slash.map { path[..<$0] } ?? path[..<0]
    if !folderPart.elementsEqual(folder) {
      if folderFD >= 0 && folderFD != root { Posix.closeQuietly(folderFD) }
      folder = Array(folderPart)
      if folder.isEmpty {
        folderFD = root
      } else {
        folderFD = (folder + [0]).withUnsafeBufferPointer { buffer in
          buffer.withMemoryRebound(to: CChar.self) {
            openat(root, $0.baseAddress!, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
          }
        }
      }
    }
    guard folderFD >= 0 else { return nil }
    name.removeAll(keepingCapacity: true)
    name.append(contentsOf: path[(slash.map { $0 + 1 } ?? 0)...])
    name.append(0)
    let folderFD = folderFD
    return name.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { statData(folderFD, $0.baseAddress!) }
    }
  }

  func close() {
    if folderFD >= 0 && folderFD != root { Posix.closeQuietly(folderFD) }
    if root >= 0 { Posix.closeQuietly(root) }
  }
}

/// `fstatat(folder, name, AT_SYMLINK_NOFOLLOW)`: the `lstat` of a name in an open folder.
private func statData(_ folder: Int32, _ name: UnsafePointer<CChar>) -> FileStat? {
  var info = stat()
  guard fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
  return FileStat(info)
}
