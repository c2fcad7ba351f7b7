import Foundation

@testable import SwapSyncKit

/// Helpers shared by the manifest test suites.
enum ManifestTestSupport {
  /// Parses `json` as the manifest "swaps.json".
  static func parse(_ json: String, allowHTTP: Bool = false) throws(ManifestError) -> Manifest {
    try ManifestLoader.parse(Array(json.utf8), path: "swaps.json", allowHTTP: allowHTTP)
  }

  /// The error `json` is rejected with, or nil if it is accepted.
  static func error(_ json: String, allowHTTP: Bool = false) -> ManifestError? {
    do {
      _ = try parse(json, allowHTTP: allowHTTP)
      return nil
    } catch {
      return error
    }
  }

  /// The folder holding the bad-manifest fixtures and their index, `expected.json`.
  static var badManifestsFolder: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/bad-manifests")
  }

  /// A fresh temporary folder; the caller removes it.
  static func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("swapsync-manifest-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
