import Crypto
import Foundation
import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct StatCacheTests {
  static func setModificationTime(_ path: String, secondsAgo: Int) {
    var times = [
      timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0),
      timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0),
    ]
    _ = utimensat(AT_FDCWD, path, &times, 0)
  }

  @Test func hitsWhenUnchangedAndMissesAfterModification() throws {
    let box = try StoreTestSandbox()
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    cache.racyWindowNanoseconds = 0

    let first = try #require(try cache.digest(for: "a.png", in: folder))
    #expect(first.sha256 == OutputFolderTests.sha256(OutputFolderTests.png))
    #expect(first.type == .png)
    #expect(try cache.digest(for: "a.png", in: folder) == first)
    #expect(cache.hashCount == 1, "second lookup came from the cache")

    var changed = OutputFolderTests.png
    changed[changed.count - 1] ^= 0xFF
    try box.write(changed, to: "out/a.png")  // same size, same inode
    Self.setModificationTime(box.url("out/a.png"), secondsAgo: 3600)
    let second = try #require(try cache.digest(for: "a.png", in: folder))
    #expect(second.sha256 == OutputFolderTests.sha256(changed))
    #expect(cache.hashCount == 2)
  }

  @Test func savedCacheIsUsedByTheNextRun() throws {
    let box = try StoreTestSandbox()
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    cache.racyWindowNanoseconds = 0
    _ = try cache.digest(for: "a.png", in: folder)
    try cache.save()
    #expect(box.exists("out/.swapsync/stat-cache.json"))

    let next = StatCache.load(stateDir: folder.stateDir)
    #expect(
      try next.digest(for: "a.png", in: folder)?.sha256 == OutputFolderTests.sha256(OutputFolderTests.png))
    #expect(next.hashCount == 0)
  }

  @Test("a cache bigger than one 256 KiB piece is saved in pieces and read back whole")
  func bigCacheRoundTrips() throws {
    let box = try StoreTestSandbox()
    let names = (0..<2_500).map { "folder-\($0 % 7)/output-with-a-longish-name-\($0).png" }
    for name in names { try box.write(OutputFolderTests.png, to: "out/" + name) }
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    cache.racyWindowNanoseconds = 0
    for name in names { _ = try cache.digest(for: name, in: folder) }
    try cache.save()
    let size = try #require(
      try FileManager.default.attributesOfItem(atPath: box.url("out/.swapsync/stat-cache.json"))[.size]
        as? Int)
    #expect(size > 256 << 10)
    let next = StatCache.load(stateDir: folder.stateDir)
    for name in names { _ = try next.digest(for: name, in: folder) }
    #expect(next.hashCount == 0, "every record came back")
  }

  @Test func freshlyWrittenFilesAreNotRemembered() throws {
    let box = try StoreTestSandbox()
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    _ = try cache.digest(for: "a.png", in: folder)
    _ = try cache.digest(for: "a.png", in: folder)
    #expect(cache.hashCount == 2, "a file changed within the racy window is hashed every time")
  }

  @Test func corruptCacheIsDiscardedSilently() throws {
    let box = try StoreTestSandbox()
    try box.write(Array("{ nonsense".utf8), to: "out/.swapsync/stat-cache.json")
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    #expect(try cache.digest(for: "a.png", in: folder)?.size == OutputFolderTests.png.count)
  }

  @Test func missingFileIsNilAndForgotten() throws {
    let box = try StoreTestSandbox()
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    cache.racyWindowNanoseconds = 0
    _ = try cache.digest(for: "a.png", in: folder)
    try FileManager.default.removeItem(atPath: box.url("out/a.png"))
    #expect(try cache.digest(for: "a.png", in: folder) == nil)
    try cache.save()
    let text = String(decoding: box.read("out/.swapsync/stat-cache.json") ?? [], as: UTF8.self)
    #expect(!text.contains("a.png"))
  }

  @Test func replacedFileWithNewInodeMisses() throws {
    let box = try StoreTestSandbox()
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    cache.racyWindowNanoseconds = 0
    _ = try cache.digest(for: "a.png", in: folder)
    try OutputFolderTests.install(
      [0xFF, 0xD8, 0xFF] + Array("xyzxyzxyzxyzxyzxy".utf8), at: "a.png", in: folder)
    #expect(try cache.digest(for: "a.png", in: folder)?.type == .jpeg)
    #expect(cache.hashCount == 2)
  }

  @Test func installedOutputsAreTrustedThisRunOnlyWhileUnchanged() throws {
    let box = try StoreTestSandbox()
    try box.write(OutputFolderTests.png, to: "out/a.png")
    let folder = try OutputFolder(root: box.url("out"))
    let cache = StatCache.load(stateDir: folder.stateDir)
    let digest = FileDigest(
      sha256: OutputFolderTests.sha256(OutputFolderTests.png), size: OutputFolderTests.png.count, type: .png)
    cache.installed("a.png", digest: digest, in: folder)
    #expect(try cache.digest(for: "a.png", in: folder) == digest)
    #expect(cache.hashCount == 0, "the run's own install is not read back")

    try cache.save()
    #expect(!box.exists("out/.swapsync/stat-cache.json"), "a racy install is not saved for later runs")

    var changed = OutputFolderTests.png
    changed[changed.count - 1] ^= 0xFF
    try box.write(changed, to: "out/a.png")
    Self.setModificationTime(box.url("out/a.png"), secondsAgo: 3600)
    #expect(try cache.digest(for: "a.png", in: folder)?.sha256 == OutputFolderTests.sha256(changed))
    #expect(cache.hashCount == 1)
  }
}
