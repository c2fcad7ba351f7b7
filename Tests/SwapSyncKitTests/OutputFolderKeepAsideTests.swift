import Foundation
import Testing

@testable import SwapSyncKit

/// `OutputFolder.keepAside`: a file an install is about to replace survives it under
/// `.swapsync/replaced/` (docs/safety.md, "Replaced files").
@Suite(.timeLimit(.minutes(1))) struct OutputFolderKeepAsideTests {
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
    let digest = try #require(try folder.hash(relativePath: "alice/beach.png"))
    let kept = try folder.keepAside("alice/beach.png", digest: digest)
    let name = "alice/beach.\(digest.sha256.prefix(12)).png"
    #expect(kept == box.url("out/.swapsync/replaced/" + name))
    try OutputFolderTests.install(OutputFolderTests.png, at: "alice/beach.png", in: folder)
    #expect(box.read("out/alice/beach.png") == OutputFolderTests.png)
    #expect(box.read("out/.swapsync/replaced/" + name) == users)
    // The same bytes kept again (a later run, the same edit): the same name, no error.
    try OutputFolderTests.install(users, at: "alice/beach.png", in: folder)
    #expect(try folder.keepAside("alice/beach.png", digest: digest) == kept)
    #expect(box.list("out/.swapsync/replaced/alice") == ["beach.\(digest.sha256.prefix(12)).png"])
    #expect(box.list("out/.swapsync/tmp").isEmpty)
  }

  @Test func aLinkInTheKeptFoldersPlaceIsRefused() throws {
    let box = try StoreTestSandbox()
    let folder = try OutputFolder(root: box.url("out"))
    try FileManager.default.createDirectory(atPath: box.url("elsewhere"), withIntermediateDirectories: true)
    try box.symlink("out/.swapsync/replaced", to: box.url("elsewhere"))
    try OutputFolderTests.install(OutputFolderTests.png, at: "a.png", in: folder)
    let digest = try #require(try folder.hash(relativePath: "a.png"))
    #expect(throws: FileSystemError.symlinkRefused(path: box.url("out/.swapsync/replaced"))) {
      try folder.keepAside("a.png", digest: digest)
    }
    #expect(box.list("elsewhere").isEmpty)
  }
}
