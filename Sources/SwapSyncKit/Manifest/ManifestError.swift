/// Why a manifest was rejected: `<path as given>: <location>: <message>` (docs/manifest.md, exit 65).
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The manifest path exactly as the user gave it.
  public var path: String
  /// Where in the file: `swaps[3].swapImage`, `matrix[0] (target office, face bob)`,
  /// `line 4, column 7`, `top level`; nil for problems with the file as a whole.
  public var location: String?
  /// What is wrong, phrased so the user can fix it.
  public var message: String

  public init(path: String, location: String?, message: String) {
    self.path = path
    self.location = location
    self.message = message
  }

  /// Everything after `"<path>: "`: `<location>: <message>`, or just the message.
  public var detail: String {
    guard let location else { return message }
    return "\(location): \(message)"
  }

  public var description: String { "\(path): \(detail)" }
}
