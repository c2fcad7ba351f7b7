import Foundation
import Testing

@testable import SwapSyncKit

/// `OutputFolder.keepAside`: a file an install is about to replace survives it under
/// `.swapsync/replaced/` (docs/safety.md, "Replaced files").
@Suite(.timeLimit(.minutes(3))) struct OutputFolderKeepAsideTests {
  @Test func keptNamesAreFoundByTheirChecksumTag() throws {
    let sha = "0123456789abcdef" + String(repeating: "0", count: 48)
    #expect(OutputFolder.checksumTags(OutputFolder.keptName("photo.png", sha256: sha)) == ["0123456789ab"])
    #expect(OutputFolder.checksumTags(OutputFolder.keptName("noext", sha256: sha)) == ["0123456789ab"])
    #expect(OutputFolder.checksumTags("photo.png").isEmpty)
    #expect(OutputFolder.checksumTags("x.0123456789AB.png").isEmpty, "the tag is lowercase")
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try OutputFolderTests.install(OutputFolderTests.png, at: "sub/a.png", in: folder)
    let (digest, _, file) = try #require(try folder.hashWithStat(relativePath: "sub/a.png"))
    _ = try folder.keepAside("sub/a.png", digest: digest, file: file)
    let tag = String(digest.sha256.prefix(12))
    #expect(folder.keptIndex[tag] == ["sub/a.\(tag).png"])
    let opened = try #require(try folder.openKept(atKeptPath: "sub/a.\(tag).png", sizes: 0...1000))
    Posix.closeQuietly(opened.fd)
    #expect(try folder.openKept(atKeptPath: "../a.png", sizes: 0...1000) == nil)
  }

  @Test func keptNamesCarryTheChecksumBeforeTheExtension() {
    let sha = "0123456789abcdef" + String(repeating: "0", count: 48)
    #expect(OutputFolder.keptName("photo.png", sha256: sha) == "photo.0123456789ab.png")
    #expect(OutputFolder.keptName("a.b.jpg", sha256: sha) == "a.b.0123456789ab.jpg")
    #expect(OutputFolder.keptName("noext", sha256: sha) == "noext.0123456789ab")
    #expect(OutputFolder.keptName(".hidden", sha256: sha) == ".hidden.0123456789ab")
  }

  @Test func keptBytesOutliveTheInstallThatReplacesThem() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    let users = Array("the user's own edit".utf8)
    try OutputFolderTests.install(users, at: "alice/beach.png", in: folder)
    let (digest, _, file) = try #require(try folder.hashWithStat(relativePath: "alice/beach.png"))
    let kept = try folder.keepAside("alice/beach.png", digest: digest, file: file)
    let name = "alice/beach.\(digest.sha256.prefix(12)).png"
    #expect(kept == box.url("out/.swapsync/replaced/" + name))
    try OutputFolderTests.install(OutputFolderTests.png, at: "alice/beach.png", in: folder)
    #expect(box.read("out/alice/beach.png") == OutputFolderTests.png)
    #expect(box.read("out/.swapsync/replaced/" + name) == users)
    // The same bytes kept again (a later run, the same edit): the same name, no error.
    try OutputFolderTests.install(users, at: "alice/beach.png", in: folder)
    let again = try #require(try folder.hashWithStat(relativePath: "alice/beach.png"))
    #expect(try folder.keepAside("alice/beach.png", digest: digest, file: again.after) == kept)
    #expect(box.list("out/.swapsync/replaced/alice") == ["beach.\(digest.sha256.prefix(12)).png"])
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func aLinkInTheKeptFoldersPlaceIsRefused() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try FileManager.default.createDirectory(atPath: box.url("elsewhere"), withIntermediateDirectories: true)
    try box.symlink("out/.swapsync/replaced", to: box.url("elsewhere"))
    try OutputFolderTests.install(OutputFolderTests.png, at: "a.png", in: folder)
    let (digest, _, file) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/.swapsync/replaced"))) {
      try folder.keepAside("a.png", digest: digest, file: file)
    }
    #expect(box.list("elsewhere").isEmpty)
  }

  @Test func somethingElseAtTheKeptNameIsNeverTakenForTheKeptBytes() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    let users = Array("the user's own edit".utf8)
    try OutputFolderTests.install(users, at: "a.png", in: folder)
    let (digest, _, file) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    let name = "a.\(digest.sha256.prefix(12)).png"
    let keptPath = box.url("out/.swapsync/replaced/" + name)
    try FileManager.default.createDirectory(
      atPath: box.url("out/.swapsync/replaced"), withIntermediateDirectories: true)
    // Other bytes, a link, a folder, a FIFO: each refused, nothing followed or replaced.
    try Data("other bytes".utf8).write(to: URL(fileURLWithPath: keptPath))
    #expect(throws: FileSystemError.self) { try folder.keepAside("a.png", digest: digest, file: file) }
    #expect(box.read("out/.swapsync/replaced/" + name) == Array("other bytes".utf8))
    try FileManager.default.removeItem(atPath: keptPath)
    try FileManager.default.createDirectory(atPath: box.url("elsewhere"), withIntermediateDirectories: true)
    try box.symlink("out/.swapsync/replaced/" + name, to: box.url("elsewhere/x.png"))
    #expect(throws: FileSystemError.self) { try folder.keepAside("a.png", digest: digest, file: file) }
    #expect(box.list("elsewhere").isEmpty)
    try FileManager.default.removeItem(atPath: keptPath)
    #expect(mkfifo(keptPath, 0o644) == 0)
    #expect(throws: FileSystemError.self) { try folder.keepAside("a.png", digest: digest, file: file) }
    try FileManager.default.removeItem(atPath: keptPath)
    // The output itself replaced since it was hashed: not kept under the old bytes' name.
    try OutputFolderTests.install(Array("saved meanwhile".utf8), at: "a.png", in: folder)
    #expect(throws: FileSystemError.changed(path: box.url("out/a.png"))) {
      try folder.keepAside("a.png", digest: digest, file: file)
    }
    #expect(box.read("out/.swapsync/replaced/" + name) == nil)
  }

  @Test func anInstallReplacesOnlyTheFileItExpectsAndKeepsAnyOther() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try OutputFolderTests.install(Array("first".utf8), at: "a.png", in: folder)
    let (_, _, file) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    // Saved again after it was hashed: that save is not destroyed by the install.
    let saved = Array("saved meanwhile".utf8)
    try OutputFolderTests.install(saved, at: "a.png", in: folder)
    let temp = try folder.makeTempFile()
    try temp.write(OutputFolderTests.png)
    let kept = try folder.install(temp, at: "a.png", replacing: .file(file))
    #expect(box.read("out/a.png") == OutputFolderTests.png)
    let keptFile = try #require(kept)
    #expect(FileManager.default.contents(atPath: keptFile).map(Array.init) == saved)
    #expect(keptFile.hasPrefix(box.url("out/.swapsync/replaced/a.")))
    #expect(box.list("out/.swapsync/tmp").isEmpty)
    // The file hashed itself: replaced, nothing kept.
    let (_, _, current) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    let next = try folder.makeTempFile()
    try next.write(Array("next".utf8))
    #expect(try folder.install(next, at: "a.png", replacing: .file(current)) == nil)
    #expect(box.read("out/a.png") == Array("next".utf8))
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func anInstallWhereNothingWasReplacesNothingThatAppeared() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try OutputFolderTests.install(Array("appeared".utf8), at: "a.png", in: folder)
    let temp = try folder.makeTempFile()
    try temp.write(OutputFolderTests.png)
    #expect(throws: FileSystemError.changed(path: box.url("out/a.png"))) {
      try folder.install(temp, at: "a.png", replacing: .nothing)
    }
    #expect(box.read("out/a.png") == Array("appeared".utf8))
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func aKeptFileOfAnotherSizeIsNotOpened() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try OutputFolderTests.install(OutputFolderTests.png, at: "a.png", in: folder)
    let (digest, _, file) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    _ = try folder.keepAside("a.png", digest: digest, file: file)
    let size = OutputFolderTests.png.count
    let exact = try #require(try folder.openKept("a.png", sha256: digest.sha256, sizes: size...size))
    Posix.closeQuietly(exact.fd)
    let bounded = try #require(try folder.openKept("a.png", sha256: digest.sha256, sizes: 0...size))
    Posix.closeQuietly(bounded.fd)
    #expect(try folder.openKept("a.png", sha256: digest.sha256, sizes: (size + 1)...(size + 1)) == nil)
    #expect(try folder.openKept("a.png", sha256: digest.sha256, sizes: 0...(size - 1)) == nil)
    #expect(try folder.openKept("b.png", sha256: digest.sha256, sizes: 0...size) == nil)
  }

  @Test func aSaveThatCameOutOfAnExchangeNeverReplacesWhatIsAtItsKeptName() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try OutputFolderTests.install(Array("the result".utf8), at: "a.png", in: folder)
    let (_, _, result) = try #require(try folder.hashWithStat(relativePath: "a.png"))
    let save = Array("a save made at that moment".utf8)
    let sha = OutputFolderTests.sha256(save)
    let keptName = "out/.swapsync/replaced/a.\(sha.prefix(12)).png"
    try FileManager.default.createDirectory(
      atPath: box.url("out/.swapsync/replaced"), withIntermediateDirectories: true)
    // Other bytes planted at its kept name: they stay, and the save is moved aside, not lost.
    try Data("planted".utf8).write(to: URL(fileURLWithPath: box.url(keptName)))
    try Data(save).write(to: URL(fileURLWithPath: box.url("out/.swapsync/tmp/0000000000000000.part")))
    #expect(throws: FileSystemError.self) {
      try folder.settleExchange(
        "0000000000000000.part", from: "a.png", name: "a.png", in: folder.rootFD, expected: result)
    }
    #expect(box.read(keptName) == Array("planted".utf8))
    #expect(box.read("out/.swapsync/tmp/0000000000000000.part.saved") == save)
    // The same bytes already there: kept once, the temporary name gone.
    try Data(save).write(to: URL(fileURLWithPath: box.url(keptName)))
    try Data(save).write(to: URL(fileURLWithPath: box.url("out/.swapsync/tmp/1111111111111111.part")))
    let kept = try folder.settleExchange(
      "1111111111111111.part", from: "a.png", name: "a.png", in: folder.rootFD, expected: result)
    #expect(kept == box.url(keptName))
    #expect(box.read("out/.swapsync/tmp/1111111111111111.part") == nil)
    #expect(box.read(keptName) == save)
  }
}
