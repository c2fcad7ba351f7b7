import Crypto

/// Deterministic PNG pictures: demo input samples, and swap results that show the face input
/// pasted onto the target scene. See `InputPicture` for how a URL becomes a picture.
public enum ImageFactory {
  /// Side length of every generated picture.
  public static let side = 256

  /// The demo samples. Any `face-NAME` or `target-NAME` (NAME: 1 to 64 of `a-z 0-9 - _`) is
  /// served under `/samples/<name>.png` too.
  public static let sampleNames = [
    "target-beach", "target-office", "target-park", "face-alice", "face-bob", "face-carol",
  ]

  /// Centre and head radius of the face pasted into a result: centred in the upper half.
  static let resultFace = (x: 128.0, y: 68.0, radius: 44.0)
  /// Centre and head radius of the face in a face sample.
  static let sampleFace = (x: 128.0, y: 108.0, radius: 78.0)
  /// Grain amplitude of results, in levels.
  static let grain = 1

  /// The swap result for a pair: the target's picture with the face of the swap image, scaled
  /// down and on shoulders, in the upper half; a light grain seeded by the pair makes every
  /// pair's bytes distinct (the same pair always gives the same bytes).
  public static func result(targetImage: String, swapImage: String) -> [UInt8] {
    let target = InputPicture(url: targetImage, kind: .scene)
    let swap = InputPicture(url: swapImage, kind: .face)
    var canvas = picture(of: target)
    let face = CartoonFace(seed: swap.seed)
    let (x, y, radius) = resultFace
    CartoonFace.drawShoulders(on: &canvas, cx: x, cy: y, radius: radius, shirt: face.shirt, skin: face.skin)
    face.draw(on: &canvas, cx: x, cy: y, radius: radius)
    let pair = Array(SHA256.hash(data: Array("\(target.identity)\n\(swap.identity)".utf8)))
    canvas.addGrain(seed: pair.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }, amplitude: grain)
    return canvas.png()
  }

  /// A sample picture (`face-NAME`: a cartoon face; `target-NAME`: a scene), or nil for a name
  /// that is not a sample name.
  public static func sample(named name: String) -> [UInt8]? {
    InputPicture(sampleNamed: name).map { picture(of: $0).png() }
  }

  /// The full-size picture of an input.
  static func picture(of input: InputPicture) -> Canvas {
    switch input.kind {
    case .scene:
      var canvas = Canvas(width: side, height: side, background: .white)
      SceneryPicture(seed: input.seed, name: input.sampleName).draw(on: &canvas)
      return canvas
    case .face:
      let face = CartoonFace(seed: input.seed)
      var canvas = Canvas(width: side, height: side, background: face.backdrop)
      let (x, y, radius) = sampleFace
      CartoonFace.drawShoulders(on: &canvas, cx: x, cy: y, radius: radius, shirt: face.shirt, skin: face.skin)
      face.draw(on: &canvas, cx: x, cy: y, radius: radius)
      return canvas
    }
  }
}
