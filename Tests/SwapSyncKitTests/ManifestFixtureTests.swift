import Foundation
import Testing

@testable import SwapSyncKit

/// Every file in Tests/Fixtures/bad-manifests must be rejected with exactly the message recorded
/// for it in expected.json (the part after "<path>: ").
@Suite("Manifest fixtures", .timeLimit(.minutes(3)))
struct ManifestFixtureTests {
  static let index: [String: String] = {
    let url = ManifestTestSupport.badManifestsFolder.appendingPathComponent("expected.json")
    guard let data = try? Data(contentsOf: url),
      let decoded = try? JSONDecoder().decode([String: String].self, from: data)
    else { return [:] }
    return decoded
  }()

  static let fixtureNames: [String] = {
    let folder = ManifestTestSupport.badManifestsFolder.path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".json") && $0 != "expected.json" }.sorted()
  }()

  @Test("the index lists exactly the fixture files, and there are enough of them")
  func indexMatchesFiles() {
    #expect(Self.fixtureNames.count >= 45)
    #expect(Set(Self.index.keys) == Set(Self.fixtureNames))
    for name in Self.fixtureNames {
      let prefix = name.prefix { $0 != "-" }
      #expect(
        prefix.count == 2 && prefix.allSatisfy(\.isNumber), "\(name) should be named NN-short-name.json")
    }
  }

  @Test("bad manifest is rejected with the indexed message", arguments: fixtureNames)
  func rejected(name: String) throws {
    let expected = try #require(Self.index[name], "no entry for \(name) in expected.json")
    let path = ManifestTestSupport.badManifestsFolder.appendingPathComponent(name).path
    do {
      let manifest = try ManifestLoader.load(path: path, allowHTTP: false)
      Issue.record("\(name) was accepted with \(manifest.entries.count) entries")
    } catch {
      #expect(error.detail == expected)
      #expect(error.description == "\(path): \(expected)")
    }
  }

  @Test("a manifest over 32 MiB is refused before parsing")
  func hugeFile() throws {
    let folder = try ManifestTestSupport.makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("huge.json").path
    var bytes = Array("{\"version\": 1, \"swaps\": []}".utf8)
    bytes += [UInt8](repeating: UInt8(ascii: " "), count: ManifestLoader.maxBytes + 1 - bytes.count)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    do {
      _ = try ManifestLoader.load(path: path, allowHTTP: false)
      Issue.record("the huge manifest was accepted")
    } catch {
      #expect(error.description == "\(path): manifest is larger than 32 MiB")
    }
    #expect(
      ManifestTestSupport.error(String(decoding: bytes, as: UTF8.self))?.detail
        == "manifest is larger than 32 MiB")
  }

  @Test("a manifest of exactly 32 MiB is still read")
  func eightMiBFile() throws {
    let folder = try ManifestTestSupport.makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("big.json").path
    var bytes = Array("{\"version\": 1, \"swaps\": []}".utf8)
    bytes += [UInt8](repeating: UInt8(ascii: "\n"), count: ManifestLoader.maxBytes - bytes.count)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let manifest = try ManifestLoader.load(path: path, allowHTTP: false)
    #expect(manifest.entries.isEmpty)
  }

  @Test("a missing file or a folder is reported with the path as given")
  func unreadable() throws {
    do {
      _ = try ManifestLoader.load(path: "no/such/swaps.json", allowHTTP: false)
      Issue.record("a missing file was accepted")
    } catch {
      #expect(error.path == "no/such/swaps.json")
      #expect(error.location == nil)
      #expect(error.description.hasPrefix("no/such/swaps.json: cannot read the manifest: no such file"))
    }
    let folder = try ManifestTestSupport.makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    do {
      _ = try ManifestLoader.load(path: folder.path, allowHTTP: false)
      Issue.record("a folder was accepted")
    } catch {
      #expect(error.description == "\(folder.path): is a folder, not a manifest file")
    }
  }
}
