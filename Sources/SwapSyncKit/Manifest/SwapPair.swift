/// The desired content of an output: which face goes onto which target image.
public struct SwapPair: Hashable, Sendable, Codable, Comparable {
  public var targetImage: String
  public var swapImage: String

  public init(targetImage: String, swapImage: String) {
    self.targetImage = targetImage
    self.swapImage = swapImage
  }

  public static func < (lhs: SwapPair, rhs: SwapPair) -> Bool {
    (lhs.targetImage, lhs.swapImage) < (rhs.targetImage, rhs.swapImage)
  }
}
