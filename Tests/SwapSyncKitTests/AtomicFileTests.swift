import Crypto
import Foundation
import Testing

@testable import SwapSyncKit

/// A fresh folder under the system temporary folder, deleted when the value goes away.
final class StoreTestSandbox {
  let path: String

  init() throws {
    path =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("swapsync-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  func url(_ relative: String) -> String { path + "/" + relative }

  func write(_ bytes: [UInt8], to relative: String) throws {
    let full = url(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
  }

  func read(_ relative: String) -> [UInt8]? {
    FileManager.default.contents(atPath: url(relative)).map { [UInt8]($0) }
  }

  func list(_ relative: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url(relative))) ?? []).sorted()
  }

  func exists(_ relative: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url(relative), isDirectory: &isDirectory)
  }

  func symlink(_ relative: String, to destination: String) throws {
    try FileManager.default.createSymbolicLink(atPath: url(relative), withDestinationPath: destination)
  }
}

@Suite(.timeLimit(.minutes(3))) struct AtomicFileTests {
  @Test func writesNewFileAndReplacesExistingOne() throws {
    let box = try StoreTestSandbox()
    let target = box.url("swaps.lock.json")
    try AtomicFile.write(Array("first\n".utf8), to: target)
    #expect(box.read("swaps.lock.json") == Array("first\n".utf8))
    try AtomicFile.write(Array("second\n".utf8), to: target)
    #expect(box.read("swaps.lock.json") == Array("second\n".utf8))
    #expect(box.list("") == ["swaps.lock.json"], "no temporary file is left behind")
  }

  @Test func newFileHasMode0644UnderUsualUmask() throws {
    let box = try StoreTestSandbox()
    let old = umask(0o022)
    defer { umask(old) }
    try AtomicFile.write([1, 2, 3], to: box.url("f"))
    let attributes = try FileManager.default.attributesOfItem(atPath: box.url("f"))
    #expect((attributes[.posixPermissions] as? Int) == 0o644)
  }

  @Test func failedRenameLeavesTargetAndNoTemporary() throws {
    let box = try StoreTestSandbox()
    try box.write([9], to: "target/keep")  // a folder where the file should go: rename fails
    #expect(throws: FileSystemError.self) {
      try AtomicFile.write(Array("new".utf8), to: box.url("target"))
    }
    #expect(box.list("") == ["target"])
    #expect(box.read("target/keep") == [9])
  }

  @Test func missingFolderNamesPathAndOSError() throws {
    let box = try StoreTestSandbox()
    let target = box.url("nope/swaps.lock.json")
    do {
      try AtomicFile.write([1], to: target)
      Issue.record("expected an error")
    } catch {
      #expect(error == .io(operation: "open folder", path: box.url("nope"), errno: ENOENT))
      #expect(error.description == "cannot open folder \(box.url("nope")): No such file or directory")
    }
  }

  @Test func replacesSymlinkItselfNotItsTarget() throws {
    let box = try StoreTestSandbox()
    try box.write([1], to: "real")
    try box.symlink("link", to: box.url("real"))
    try AtomicFile.write([2], to: box.url("link"))
    #expect(box.read("real") == [1])
    #expect(box.read("link") == [2])
  }

  @Test("a streamed write replaces the file unless its digest is unchanged; then the file keeps its inode")
  func streamedWriteKeepsAnUnchangedFile() throws {
    let box = try StoreTestSandbox()
    let target = box.url("swaps.lock.json")
    let pieces: [[UInt8]] = [Array("one ".utf8), Array("two\n".utf8)]
    let first = try AtomicFile.write(to: target, unlessDigest: nil) { (write) throws(FileSystemError) in
      for piece in pieces { try write(piece) }
    }
    #expect(first.replaced)
    #expect(first.digest == SHA256.hash(data: Array("one two\n".utf8)))
    #expect(box.read("swaps.lock.json") == Array("one two\n".utf8))
    let inode = try #require(FileManager.default.attributesOfItem(atPath: target)[.systemFileNumber] as? Int)
    let again = try AtomicFile.write(to: target, unlessDigest: first.digest) {
      (write) throws(FileSystemError) in
      for piece in pieces { try write(piece) }
    }
    #expect(!again.replaced)
    #expect(try FileManager.default.attributesOfItem(atPath: target)[.systemFileNumber] as? Int == inode)
    let changed = try AtomicFile.write(to: target, unlessDigest: first.digest) {
      (write) throws(FileSystemError) in try write([7])
    }
    #expect(changed.replaced)
    #expect(box.read("swaps.lock.json") == [7])
    #expect(box.list("") == ["swaps.lock.json"], "no temporary file is left behind")
  }

  @Test func aFailingProducerLeavesTheFileAndNoTemporary() throws {
    let box = try StoreTestSandbox()
    try box.write([1], to: "swaps.lock.json")
    #expect(throws: FileSystemError.encoding(path: "x", detail: "boom")) {
      _ = try AtomicFile.write(to: box.url("swaps.lock.json"), unlessDigest: nil) {
        (write) throws(FileSystemError) in
        try write([2, 3])
        throw FileSystemError.encoding(path: "x", detail: "boom")
      }
    }
    #expect(box.read("swaps.lock.json") == [1])
    #expect(box.list("") == ["swaps.lock.json"])
  }

  @Test func removesStaleTemporariesOnlyForThatFile() throws {
    let box = try StoreTestSandbox()
    try box.write([1], to: ".swaps.lock.json.0123456789abcdef.tmp")
    try box.write([1], to: ".other.json.0123456789abcdef.tmp")
    try box.write([1], to: ".swaps.lock.json.notatemp.tmp")
    try box.write([1], to: "swaps.lock.json")
    let removed = try AtomicFile.removeStaleTemporaries(for: box.url("swaps.lock.json"))
    #expect(removed == 1)
    #expect(
      box.list("") == [
        ".other.json.0123456789abcdef.tmp", ".swaps.lock.json.notatemp.tmp", "swaps.lock.json",
      ])
  }

  @Test func errorDescriptionsAreActionable() {
    let full = FileSystemError.io(operation: "write", path: "out/team/.swapsync/journal.jsonl", errno: ENOSPC)
    #expect(full.description == "cannot write out/team/.swapsync/journal.jsonl: No space left on device")
    #expect(FileSystemError.symlinkRefused(path: "out/evil").description.contains("out/evil"))
    #expect(FileSystemError.outsideRoot(path: "out/../x").path == "out/../x")
  }
}
