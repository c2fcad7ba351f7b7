import Foundation

/// One output the manifest asks for, after matrix expansion.
public struct ManifestEntry: Sendable, Hashable {
  /// Path of the output relative to the output folder, `/`-separated, in Unicode NFC: one
  /// output has one spelling in the lockfile, on disk and in every command (docs/manifest.md).
  public var output: String
  /// The output as the manifest spells it, when that is not `output` (not in NFC); for messages.
  public var spelling: String?
  public var pair: SwapPair
  /// The innermost `hookUrl` that applies to this entry, if any.
  public var hookUrl: String?
  /// Where the entry comes from, for messages: `swaps[2]` or `matrix[0] (target beach, face bob)`.
  public var origin: String
  /// For an entry expanded from a `matrix` block: which block, target and face; nil for `swaps`.
  public var matrix: MatrixCell?

  public init(output: String, pair: SwapPair, hookUrl: String?, origin: String, matrix: MatrixCell? = nil) {
    self.output = output.precomposedStringWithCanonicalMapping
    if Array(self.output.utf8) != Array(output.utf8) { spelling = output }
    self.pair = pair
    self.hookUrl = hookUrl
    self.origin = origin
    self.matrix = matrix
  }
}

/// The place of a matrix entry in its block: the block's index in `matrix`, and the target and
/// face keys with their positions in the block's `targets` and `faces` objects (document order).
public struct MatrixCell: Sendable, Hashable {
  public var block: Int
  public var target: String
  public var targetIndex: Int
  public var face: String
  public var faceIndex: Int

  public init(block: Int, target: String, targetIndex: Int, face: String, faceIndex: Int) {
    self.block = block
    self.target = target
    self.targetIndex = targetIndex
    self.face = face
    self.faceIndex = faceIndex
  }
}
