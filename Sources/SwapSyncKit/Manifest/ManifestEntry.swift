import Foundation

/// One output the manifest asks for, after matrix expansion.
public struct ManifestEntry: Sendable, Hashable {
  /// Path of the output relative to the output folder, `/`-separated, in Unicode NFC: one
  /// output has one spelling in the lockfile, on disk and in every command (docs/manifest.md).
  public var output: String
  public var pair: SwapPair
  /// The innermost `hookUrl` that applies to this entry, if any.
  public var hookUrl: String?
  /// Where the entry comes from, for messages: `swaps[2]` or `matrix[0] (target beach, face bob)`.
  public var origin: String

  public init(output: String, pair: SwapPair, hookUrl: String?, origin: String) {
    self.output = output.precomposedStringWithCanonicalMapping
    self.pair = pair
    self.hookUrl = hookUrl
    self.origin = origin
  }
}
