import Crypto
import Foundation
import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct OutputFolderTests {
  static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("rest of image".utf8)

  static func sha256(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
  }

  static func install(_ bytes: [UInt8], at path: String, in folder: OutputFolder) throws(FileSystemError) {
    let temp = try folder.makeTempFile()
    do throws(FileSystemError) {
      try temp.write(bytes)
    } catch {
      folder.discard(temp)
      throw error
    }
    try folder.install(temp, at: path)
  }

  @Test func initCreatesRootAndStateFolders() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out/team"))
    #expect(folder.rootPath == box.url("out/team"))
    #expect(folder.stateDir == box.url("out/team/.swapsync"))
    #expect(box.exists("out/team/.swapsync/tmp"))
    _ = try OutputFolder(root: box.url("out/team/"))  // reopening is fine
  }

  @Test func initRefusesSymlinkedStateFolder() throws {
    let box = try StoreTestSandbox()
    try FileManager.default.createDirectory(atPath: box.url("elsewhere"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: box.url("out"), withIntermediateDirectories: true)
    try box.symlink("out/.swapsync", to: box.url("elsewhere"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/.swapsync"))) {
      try OutputFolder(root: box.url("out"))
    }
    #expect(box.list("elsewhere").isEmpty)
  }

  @Test func installCreatesParentsAndLeavesNoTemporary() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try Self.install(Self.png, at: "alice/holiday/beach.png", in: folder)
    #expect(box.read("out/alice/holiday/beach.png") == Self.png)
    #expect(box.list("out/.swapsync/tmp").isEmpty)
    #expect(folder.exists(relativePath: "alice/holiday/beach.png"))
    // Replacing an existing output (a repair) is allowed.
    try Self.install([0xFF, 0xD8, 0xFF, 1], at: "alice/holiday/beach.png", in: folder)
    #expect(box.read("out/alice/holiday/beach.png") == [0xFF, 0xD8, 0xFF, 1])
  }

  @Test func installRenamesOnlyAfterItsIntentIsDurable() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try Self.install(Self.png, at: "beach.png", in: folder)
    // The caller's wait for its journal record fails (a failed flush): nothing is renamed, the
    // installed output stays as it was, and the temporary file is gone.
    let temp = try folder.makeTempFile()
    try temp.write([0xFF, 0xD8, 0xFF, 2])
    let refused = FileSystemError.io(operation: "sync", path: "journal.jsonl", errno: EIO)
    #expect(throws: refused) {
      try folder.install(temp, at: "beach.png") { () throws(FileSystemError) in throw refused }
    }
    #expect(box.read("out/beach.png") == Self.png)
    #expect(box.list("out/.swapsync/tmp").isEmpty)
    var waited = false
    let next = try folder.makeTempFile()
    try next.write([0xFF, 0xD8, 0xFF, 3])
    try folder.install(next, at: "beach.png") { () throws(FileSystemError) in
      #expect(box.read("out/beach.png") == Self.png, "not renamed before the wait returned")
      waited = true
    }
    #expect(waited)
    #expect(box.read("out/beach.png") == [0xFF, 0xD8, 0xFF, 3])
  }

  @Test func installRefusesSymlinkedFolderPointingOutside() throws {
    let box = try StoreTestSandbox()
    try FileManager.default.createDirectory(atPath: box.url("elsewhere"), withIntermediateDirectories: true)
    let folder = try OutputFolder(root: box.url("out"))
    try box.symlink("out/evil", to: box.url("elsewhere"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/evil"))) {
      try Self.install(Self.png, at: "evil/x.png", in: folder)
    }
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/evil"))) {
      try Self.install(Self.png, at: "evil/deeper/x.png", in: folder)
    }
    #expect(box.list("elsewhere").isEmpty, "nothing was written through the link")
    #expect(box.list("out/.swapsync/tmp").isEmpty, "the temporary file was removed")
  }

  @Test func installRefusesSymlinkOrFolderAtFinalPath() throws {
    let box = try StoreTestSandbox()
    try box.write([7], to: "elsewhere/victim.png")
    let folder = try OutputFolder(root: box.url("out"))
    try box.symlink("out/a.png", to: box.url("elsewhere/victim.png"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/a.png"))) {
      try Self.install(Self.png, at: "a.png", in: folder)
    }
    #expect(box.read("elsewhere/victim.png") == [7])
    try FileManager.default.createDirectory(atPath: box.url("out/dir.png"), withIntermediateDirectories: true)
    #expect(throws: FileSystemError.notARegularFile(path: box.url("out/dir.png"))) {
      try Self.install(Self.png, at: "dir.png", in: folder)
    }
    try box.write([1], to: "out/file")
    #expect(throws: FileSystemError.notADirectory(path: box.url("out/file"))) {
      try Self.install(Self.png, at: "file/x.png", in: folder)
    }
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test(arguments: [
    "../x.png", "/etc/x.png", "a//b.png", "./a.png", "a/../../b.png", "", ".swapsync/x.png", "a/.",
  ])
  func installRefusesPathsLeavingTheRoot(_ path: String) throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    #expect(throws: FileSystemError.outsideRoot(path: folder.display(path))) {
      try Self.install(Self.png, at: path, in: folder)
    }
    #expect(box.list("").sorted() == ["out"])
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func discardAfterFailedInstallDoesNotCloseAReusedDescriptor() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    let temp = try folder.makeTempFile()
    try temp.write(Self.png)
    #expect(throws: FileSystemError.self) { try folder.install(temp, at: "../escape.png") }
    // The install closed the descriptor; a new open is likely to get the same number.
    let other = open(box.url("out/.swapsync/other"), O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
    defer { close(other) }
    folder.discard(temp)
    #expect(fcntl(other, F_GETFD) != -1, "discard must not close a descriptor it no longer owns")
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func installCopyDuplicatesAnOutput() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try Self.install(Self.png, at: "alice/beach.png", in: folder)
    let digest = try folder.installCopy(of: "alice/beach.png", at: "bob/beach.png").digest
    #expect(box.read("out/bob/beach.png") == Self.png)
    #expect(digest == FileDigest(sha256: Self.sha256(Self.png), size: Self.png.count, type: .png))
    #expect(throws: FileSystemError.self) { try folder.installCopy(of: "missing.png", at: "c.png") }
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func hashStreamsABigFileAndMatchesSHA256() throws {
    let box = try StoreTestSandbox()
    var bytes = [UInt8](repeating: 0, count: 5 * 1024 * 1024 + 123)
    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }
    bytes.replaceSubrange(0..<3, with: [0xFF, 0xD8, 0xFF])
    try box.write(bytes, to: "out/big.jpg")
    let folder = try OutputFolder(root: box.url("out"))
    let digest = try #require(try folder.hash(relativePath: "big.jpg"))
    #expect(digest == FileDigest(sha256: Self.sha256(bytes), size: bytes.count, type: .jpeg))
    #expect(try folder.hash(relativePath: "missing.jpg") == nil)
    #expect(try folder.hash(relativePath: "no/such/folder.jpg") == nil)
    try box.write(Array("<html>".utf8), to: "out/page.jpg")
    #expect(try folder.hash(relativePath: "page.jpg")?.type == nil)
  }

  @Test func hashRefusesLinksAndFolders() throws {
    let box = try StoreTestSandbox()
    try box.write(Self.png, to: "secret.png")
    let folder = try OutputFolder(root: box.url("out"))
    try box.symlink("out/link.png", to: box.url("secret.png"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/link.png"))) {
      try folder.hash(relativePath: "link.png")
    }
    try box.symlink("out/dirlink", to: box.path)
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/dirlink"))) {
      try folder.hash(relativePath: "dirlink/secret.png")
    }
    try FileManager.default.createDirectory(atPath: box.url("out/d"), withIntermediateDirectories: true)
    #expect(throws: FileSystemError.notARegularFile(path: box.url("out/d"))) {
      try folder.hash(relativePath: "d")
    }
    #expect(!folder.exists(relativePath: "link.png"))
    #expect(try folder.stat(relativePath: "link.png")?.kind == .symlink)
  }

  @Test func removeDeletesFileAndEmptyParentsOnly() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try Self.install(Self.png, at: "a/b/c/one.png", in: folder)
    try Self.install(Self.png, at: "a/two.png", in: folder)
    #expect(try folder.remove(relativePath: "a/b/c/one.png"))
    #expect(!box.exists("out/a/b"), "emptied folders are removed")
    #expect(box.read("out/a/two.png") == Self.png, "a folder with other files stays")
    #expect(try folder.remove(relativePath: "a/two.png"))
    #expect(box.list("out") == [".swapsync"], "the root itself stays")
    #expect(try folder.remove(relativePath: "a/two.png") == false)
  }

  @Test func removeRefusesLinks() throws {
    let box = try StoreTestSandbox()
    try box.write([1], to: "keep.png")
    let folder = try OutputFolder(root: box.url("out"))
    try box.symlink("out/x.png", to: box.url("keep.png"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/x.png"))) {
      try folder.remove(relativePath: "x.png")
    }
    #expect(box.read("keep.png") == [1])
  }

  @Test func cleanTemporariesRemovesLeftoverParts() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    let first = try folder.makeTempFile()
    let second = try folder.makeTempFile()
    try first.write([1, 2, 3])
    first.closeQuietly()  // as if the run had been killed mid-download
    second.closeQuietly()
    try box.write([1], to: "out/.swapsync/tmp/notes.txt")
    #expect(first.name.hasSuffix(".part") && first.name != second.name)
    #expect(try folder.cleanTemporaries() == (2, []))
    #expect(box.list("out/.swapsync/tmp") == ["notes.txt"])
    #expect(try folder.cleanTemporaries() == (0, []))
    let third = try folder.makeTempFile()
    folder.discard(third)
    #expect(box.list("out/.swapsync/tmp") == ["notes.txt"])
  }

  @Test(
    "a run killed during an install's exchange: what came out is deleted when kept elsewhere or recorded, else kept as .saved"
  )
  func cleanTemporariesKeepsWhatMayBeASave() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    let tmp = "out/.swapsync/tmp/"
    try box.write([1, 1], to: tmp + "linked.install")
    try FileManager.default.linkItem(atPath: box.url(tmp + "linked.install"), toPath: box.url("elsewhere"))
    try box.write([2, 2], to: tmp + "recorded.install")
    try box.write([3, 3], to: tmp + "save.install")
    let recorded = Self.sha256([2, 2])
    let (removed, saved) = try folder.cleanTemporaries { $0 == recorded }
    #expect(removed == 2)
    #expect(saved == [box.url(tmp + "save.install.saved")])
    #expect(box.list("out/.swapsync/tmp") == ["save.install.saved"])
    #expect(box.read(tmp + "save.install.saved") == [3, 3])
    #expect(try folder.cleanTemporaries() == (0, []), "a .saved file is never deleted")
  }

  @Test(
    "an install over a file exchanges it under a .install name, so a kill before settling leaves a save looked at"
  )
  func exchangeUsesTheInstallName() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try Self.install([1], at: "a.png", in: folder)
    let (_, _, file) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    // A save made at the moment of the exchange, whose kept name holds other bytes: it cannot be
    // kept in replaced/, so it stays in tmp/ under the exchange's name.
    let save: [UInt8] = [7, 7]
    let keptName = "out/.swapsync/replaced/a.\(Self.sha256(save).prefix(12)).png"
    try FileManager.default.createDirectory(
      atPath: box.url("out/.swapsync/replaced"), withIntermediateDirectories: true)
    try box.write([9], to: keptName)
    let temp = try folder.makeTempFile()
    try temp.write([2])
    #expect(throws: FileSystemError.self) {
      try folder.install(temp, at: "a.png", replacing: .file(file)) {
        try? box.write(save, to: "saving.png")
        _ = rename(box.url("saving.png"), box.url("out/a.png"))
      }
    }
    let stem = String(temp.name.dropLast(".part".count))
    #expect(box.list("out/.swapsync/tmp") == [stem + ".install.saved"])
    #expect(box.read("out/.swapsync/tmp/\(stem).install.saved") == save)
    #expect(box.read("out/a.png") == [2])
  }
}
