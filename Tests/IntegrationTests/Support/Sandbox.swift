import Foundation
import Testing

/// A temporary project folder with a manifest, where tests run `swapsync`.
final class Sandbox: Sendable {
  let root: String

  init() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "swapsync-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    root = url.path
  }

  deinit { try? FileManager.default.removeItem(atPath: root) }

  func path(_ relative: String) -> String { root + "/" + relative }

  func write(_ relative: String, _ text: String) throws {
    let url = URL(fileURLWithPath: path(relative))
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func read(_ relative: String) -> Data? { FileManager.default.contents(atPath: path(relative)) }

  func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

  /// Writes `swaps.json` from `(output, target, face)` triples.
  func writeManifest(_ swaps: [(String, String, String)], extra: String = "", name: String = "swaps.json")
    throws
  {
    let items = swaps.map { output, target, face in
      #"{"output": "\#(output)", "targetImage": "\#(target)", "swapImage": "\#(face)"}"#
    }
    try write(
      name, #"{"version": 1, "outputDir": "out", \#(extra) "swaps": [\#(items.joined(separator: ",\n"))]}"#)
  }

  /// Runs the real `swapsync` binary here. The API key and base URL come from `emulator`.
  func swapsync(
    _ arguments: [String], emulator: Emulator?, key: String? = Emulator.apiKey,
    environment: [String: String] = [:]
  ) async throws -> CommandResult {
    var env = ["PATH": "/usr/bin:/bin", "HOME": root]
    if let key { env["TT_API_KEY"] = key }
    if let emulator { env["TTAPI_BASE_URL"] = emulator.baseURL }
    env.merge(environment) { $1 }
    return try await ProcessRunner.run(Binaries.swapsync, arguments, cwd: root, environment: env)
  }

  /// Every regular file under `relative`, excluding `.swapsync`, with its bytes.
  func files(under relative: String) -> [String: Data] {
    var result: [String: Data] = [:]
    let base = path(relative)
    guard let walker = FileManager.default.enumerator(atPath: base) else { return [:] }
    while let item = walker.nextObject() as? String {
      if item.hasPrefix(".swapsync") { continue }
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: base + "/" + item, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        result[item] = FileManager.default.contents(atPath: base + "/" + item)
      }
    }
    return result
  }
}

/// PNG signature check for downloaded results.
func isPNG(_ data: Data?) -> Bool {
  guard let data else { return false }
  return data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
}
