import Foundation
import Testing

@testable import SwapSyncKit

/// `swapsync init`'s files: a valid starter manifest, a `.gitignore` line, nothing overwritten.
@Suite("init scaffold", .timeLimit(.minutes(5)))
struct ScaffoldTests {
  @Test("the starter manifest is valid: a swap and a 2 × 2 matrix")
  func starterIsValid() throws {
    let manifest = try ManifestLoader.parse(
      Array(Scaffold.starterManifest().utf8), path: "swaps.json", allowHTTP: false)
    #expect(manifest.entries.count == 5)
    #expect(manifest.entries.filter { $0.matrix != nil }.count == 4)
  }

  @Test("creates the manifest and .gitignore; a second run writes nothing and fails with 73")
  func neverOverwrites() throws {
    let folder = try ManifestTestSupport.makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("swaps.json").path
    let outcome = try Scaffold.create(manifestPath: path)
    #expect(outcome.gitignore == .created)
    #expect(FileManager.default.contents(atPath: path) == Data(Scaffold.starterManifest().utf8))
    _ = try ManifestLoader.load(path: path, allowHTTP: false)
    try Data("{\"version\": 1}".utf8).write(to: URL(fileURLWithPath: path))
    do {
      _ = try Scaffold.create(manifestPath: path)
      Issue.record("a second init must fail")
    } catch {
      #expect(error.status == .cannotWrite)
      #expect(error.message.contains("already exists"))
    }
    #expect(FileManager.default.contents(atPath: path) == Data("{\"version\": 1}".utf8))
    let gitignore = try String(contentsOf: folder.appendingPathComponent(".gitignore"), encoding: .utf8)
    #expect(gitignore.components(separatedBy: "\n").filter { $0 == ".swapsync/" }.count == 1)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasSuffix(".tmp")
    }
    #expect(leftovers.isEmpty)
  }

  @Test(".gitignore: appended after a last line without newline; left alone when it already ignores")
  func gitignoreLines() throws {
    let folder = try ManifestTestSupport.makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let gitignore = folder.appendingPathComponent(".gitignore")
    try Data("build/".utf8).write(to: gitignore)
    #expect(try Scaffold.ignoreStateFolder(gitignore.path, outputDir: "out") == .appended)
    let text = try String(contentsOf: gitignore, encoding: .utf8)
    #expect(text.hasPrefix("build/\n"))
    #expect(text.hasSuffix("\n.swapsync/\n"))
    #expect(try Scaffold.ignoreStateFolder(gitignore.path, outputDir: "out") == .alreadyIgnored)
    try Data("node_modules\n  **/.swapsync  \n".utf8).write(to: gitignore)
    #expect(try Scaffold.ignoreStateFolder(gitignore.path, outputDir: "out") == .alreadyIgnored)
  }

  @Test(".gitignore lines that already ignore out/.swapsync, and lines that do not")
  func ignoringPatterns() {
    for line in [
      ".swapsync", ".swapsync/", "**/.swapsync", "**/.swapsync/", "/out/.swapsync/", "out/.swapsync", "*",
      "out", "out/", "/out", "out/*", ".swap*", "  .swapsync/  ",
    ] {
      #expect(Scaffold.ignoresStateFolder(Substring(line)), "\(line)")
    }
    for line in [
      "", "# .swapsync/", "!.swapsync/", "*.png", "build/", "/other/.swapsync", "o", ".swapsync.bak",
    ] {
      #expect(!Scaffold.ignoresStateFolder(Substring(line)), "\(line)")
    }
  }

  @Test(
    "a manifest other than swaps.json, or beside an existing out/, gets its own output folder, <name>-out")
  func secondManifestGetsItsOwnFolder() throws {
    let folder = try ManifestTestSupport.makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let first = try Scaffold.create(manifestPath: folder.appendingPathComponent("swaps.json").path)
    #expect(first.outputDir == "out")
    // Before any sync made out/: still a folder of its own.
    #expect(Scaffold.outputDir(for: folder.appendingPathComponent("early.json").path) == "early-out")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
    let extra = folder.appendingPathComponent("extra.json").path
    let second = try Scaffold.create(manifestPath: extra)
    #expect(second.outputDir == "extra-out")
    #expect(second.gitignore == .alreadyIgnored)
    let manifest = try ManifestLoader.load(path: extra, allowHTTP: false)
    #expect(manifest.outputDir == "extra-out")
    #expect(Scaffold.isPlaceholder(manifest.entries[0].pair.targetImage))
    #expect(!Scaffold.isPlaceholder("https://images.example.org/t.jpg"))
  }
}
