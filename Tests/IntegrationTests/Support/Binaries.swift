import Foundation

/// Where the built `swapsync` and `ttapi-emulator` are: beside the test bundle in `.build/debug`.
enum Binaries {
  static let directory: String = {
    if let override = ProcessInfo.processInfo.environment["SWAPSYNC_BIN_DIR"] { return override }
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
    // Inside an .xctest bundle on some layouts; walk up to the folder holding the products.
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("swapsync").path),
      url.path != "/"
    {
      url.deleteLastPathComponent()
    }
    return url.path
  }()

  static var swapsync: String { directory + "/swapsync" }
  static var emulator: String { directory + "/ttapi-emulator" }
}
