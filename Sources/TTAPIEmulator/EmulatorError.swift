/// A user-facing configuration or startup error.
public struct EmulatorError: Error, CustomStringConvertible, Sendable {
  public let description: String

  public init(_ description: String) {
    self.description = description
  }
}
