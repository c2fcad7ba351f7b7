import Crypto

/// Deterministic PNG pictures: swap results derived from the input pair, and demo samples.
public enum ImageFactory {
  /// Side length of every generated picture.
  public static let side = 64

  /// Names served under `/samples/<name>.png`.
  public static let sampleNames = [
    "target-beach", "target-office", "target-park", "face-alice", "face-bob", "face-carol",
  ]

  /// The swap result for a pair: stripes and a face disc coloured from SHA-256("target\nswap").
  public static func result(targetImage: String, swapImage: String) -> [UInt8] {
    let digest = Array(SHA256.hash(data: Array("\(targetImage)\n\(swapImage)".utf8)))
    let background = (digest[0], digest[1], digest[2])
    let stripe = (digest[3], digest[4], digest[5])
    let face = (digest[6], digest[7], digest[8])
    let stripeWidth = Int(digest[9] % 6) + 2
    let direction = Int(digest[10] % 3)
    let radius = Int(digest[11] % 10) + 12
    var rgb = [UInt8](repeating: 0, count: side * side * 3)
    for y in 0..<side {
      for x in 0..<side {
        let coordinate = direction == 0 ? x : (direction == 1 ? y : x + y)
        var colour = (coordinate / stripeWidth) % 2 == 0 ? background : stripe
        let dx = x - side / 2
        let dy = y - side / 2
        if dx * dx + dy * dy <= radius * radius {
          colour = face
          // two dark eyes keep it recognisably a "face"
          if (dy == -radius / 3) && (abs(dx) == radius / 3 || abs(dx) == radius / 3 + 1) {
            colour = (0, 0, 0)
          }
        }
        let index = (y * side + x) * 3
        rgb[index] = colour.0
        rgb[index + 1] = colour.1
        rgb[index + 2] = colour.2
      }
    }
    return PNGEncoder.encodeRGB(width: side, height: side, rgb: rgb)
  }

  /// A sample picture: targets are gradients with a horizon, faces are a disc on a plain ground.
  public static func sample(named name: String) -> [UInt8]? {
    guard sampleNames.contains(name) else { return nil }
    let digest = Array(SHA256.hash(data: Array("sample:\(name)".utf8)))
    var rgb = [UInt8](repeating: 0, count: side * side * 3)
    let isFace = name.hasPrefix("face-")
    for y in 0..<side {
      for x in 0..<side {
        var colour: (UInt8, UInt8, UInt8)
        if isFace {
          let dx = x - side / 2
          let dy = y - side / 2
          let inside = dx * dx + dy * dy <= 22 * 22
          colour = inside ? (digest[0], digest[1], digest[2]) : (digest[3] / 2, digest[4] / 2, digest[5] / 2)
        } else {
          let horizon = side / 3 + Int(digest[6] % 16)
          let shade = UInt8(y * 255 / side)
          colour =
            y < horizon
            ? (digest[0] / 2 &+ shade / 2, digest[1] / 2, digest[2] / 2 &+ shade / 4)
            : (digest[3], digest[4] / 2 &+ shade / 2, digest[5])
        }
        let index = (y * side + x) * 3
        rgb[index] = colour.0
        rgb[index + 1] = colour.1
        rgb[index + 2] = colour.2
      }
    }
    return PNGEncoder.encodeRGB(width: side, height: side, rgb: rgb)
  }
}
