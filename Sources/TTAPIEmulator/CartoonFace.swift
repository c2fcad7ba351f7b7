/// A simple cartoon face (head, hair, ears, eyes, brows, nose, mouth, maybe glasses and
/// blush), every trait picked from a 32-byte seed. It draws at any centre and size, so the
/// same face appears large in a face sample and small in a swap result.
struct CartoonFace: Sendable {
  enum Hair: Sendable { case bald, short, spiky, long }
  enum Mouth: Sendable { case smile, open, grin }

  var skin: RGB
  var hairColour: RGB
  var iris: RGB
  var hair: Hair
  var mouth: Mouth
  var glasses: Bool
  var blush: Bool
  /// Horizontal distance of each eye from the centre, as a fraction of the radius.
  var eyeSpacing: Double
  /// Backdrop and shirt of the face sample.
  var backdrop: RGB
  var shirt: RGB

  private static let skins = [
    RGB(255, 219, 172), RGB(241, 194, 125), RGB(224, 172, 105), RGB(198, 134, 66),
    RGB(141, 85, 36), RGB(255, 205, 178), RGB(120, 200, 120), RGB(150, 170, 250),
  ]
  private static let hairs = [
    RGB(40, 30, 25), RGB(95, 60, 30), RGB(230, 190, 90), RGB(180, 70, 30),
    RGB(170, 170, 175), RGB(60, 60, 150), RGB(200, 60, 140),
  ]
  private static let irises = [RGB(70, 110, 200), RGB(90, 60, 30), RGB(60, 140, 80), RGB(40, 40, 40)]

  init(seed: [UInt8]) {
    precondition(seed.count >= 16, "a face needs a 16-byte seed")
    skin = Self.skins[Int(seed[0]) % Self.skins.count]
    hairColour = Self.hairs[Int(seed[1]) % Self.hairs.count]
    iris = Self.irises[Int(seed[2]) % Self.irises.count]
    hair = [Hair.bald, .short, .short, .spiky, .long, .long][Int(seed[3]) % 6]
    mouth = [Mouth.smile, .smile, .open, .grin][Int(seed[4]) % 4]
    glasses = seed[5] % 4 == 0
    blush = seed[6] % 2 == 0
    eyeSpacing = 0.30 + Double(seed[7] % 8) / 100
    backdrop = RGB(seed[8], seed[9], seed[10]).mixed(with: .white, 0.55)
    shirt = RGB(seed[11], seed[12], seed[13]).mixed(with: .black, 0.2)
  }

  /// Draws the face centred on (cx, cy); `radius` is the half-height of the head.
  func draw(on canvas: inout Canvas, cx: Double, cy: Double, radius r: Double) {
    let lineWidth = max(1.5, r * 0.06)
    if hair == .long {
      canvas.fillEllipse(cx: cx, cy: cy + 0.2 * r, rx: 1.12 * r, ry: 1.15 * r, hairColour)
    }
    for side in [-1.0, 1.0] {
      canvas.fillEllipse(
        cx: cx + side * 0.9 * r, cy: cy + 0.08 * r, rx: 0.17 * r, ry: 0.24 * r, skin.scaled(0.9))
    }
    canvas.fillEllipse(cx: cx, cy: cy, rx: 0.9 * r, ry: r, skin)
    drawHair(on: &canvas, cx: cx, cy: cy, r: r)
    for side in [-1.0, 1.0] {
      let ex = cx + side * eyeSpacing * r
      let ey = cy - 0.05 * r
      canvas.fillEllipse(cx: ex, cy: ey, rx: 0.16 * r, ry: 0.19 * r, .white)
      canvas.fillEllipse(cx: ex, cy: ey + 0.03 * r, rx: 0.1 * r, ry: 0.11 * r, iris)
      canvas.fillEllipse(cx: ex, cy: ey + 0.03 * r, rx: 0.05 * r, ry: 0.055 * r, .black)
      canvas.fillEllipse(cx: ex + 0.04 * r, cy: ey - 0.01 * r, rx: 0.025 * r, ry: 0.025 * r, .white)
      canvas.fillEllipse(
        cx: ex, cy: ey - 0.27 * r, rx: 0.18 * r, ry: max(1, lineWidth * 0.8), hairColour.scaled(0.8))
      if glasses {
        canvas.fillRing(cx: ex, cy: ey, rx: 0.25 * r, ry: 0.24 * r, thickness: lineWidth, .black)
      }
      if blush {
        canvas.fillEllipse(
          cx: cx + side * 0.55 * r, cy: cy + 0.3 * r, rx: 0.13 * r, ry: 0.08 * r,
          skin.mixed(with: RGB(240, 90, 110), 0.45))
      }
    }
    if glasses {
      canvas.fillRect(
        x0: Int(cx - (eyeSpacing - 0.25) * r), y0: Int(cy - 0.07 * r),
        x1: Int(cx + (eyeSpacing - 0.25) * r) + 1, y1: Int(cy - 0.07 * r + lineWidth) + 1, .black)
    }
    canvas.fillEllipse(cx: cx, cy: cy + 0.18 * r, rx: 0.08 * r, ry: 0.11 * r, skin.scaled(0.82))
    drawMouth(on: &canvas, cx: cx, cy: cy, r: r)
  }

  private func drawHair(on canvas: inout Canvas, cx: Double, cy: Double, r: Double) {
    switch hair {
    case .bald:
      canvas.fillEllipse(cx: cx - 0.3 * r, cy: cy - 0.62 * r, rx: 0.14 * r, ry: 0.07 * r, skin.scaled(1.12))
    case .short, .long:
      canvas.fillEllipse(cx: cx, cy: cy - 0.55 * r, rx: 0.95 * r, ry: 0.55 * r, hairColour)
      canvas.fillEllipse(cx: cx, cy: cy + 0.1 * r, rx: 0.8 * r, ry: 0.78 * r, skin)
      canvas.fillTriangle(
        (cx - 0.55 * r, cy - 0.62 * r), (cx + 0.35 * r, cy - 0.62 * r), (cx - 0.25 * r, cy - 0.3 * r),
        hairColour)
    case .spiky:
      for index in 0..<7 {
        let x = cx + (Double(index) - 3) * 0.27 * r
        canvas.fillTriangle(
          (x - 0.18 * r, cy - 0.6 * r), (x + 0.18 * r, cy - 0.6 * r), (x, cy - 1.2 * r), hairColour)
      }
      canvas.fillEllipse(cx: cx, cy: cy - 0.6 * r, rx: 0.9 * r, ry: 0.4 * r, hairColour)
      canvas.fillEllipse(cx: cx, cy: cy + 0.12 * r, rx: 0.82 * r, ry: 0.76 * r, skin)
    }
  }

  private func drawMouth(on canvas: inout Canvas, cx: Double, cy: Double, r: Double) {
    let lips = RGB(170, 40, 60)
    switch mouth {
    case .smile:
      canvas.fillEllipse(cx: cx, cy: cy + 0.45 * r, rx: 0.36 * r, ry: 0.2 * r, lips)
      canvas.fillEllipse(cx: cx, cy: cy + 0.37 * r, rx: 0.4 * r, ry: 0.19 * r, skin)
    case .open:
      canvas.fillEllipse(cx: cx, cy: cy + 0.5 * r, rx: 0.16 * r, ry: 0.14 * r, lips.scaled(0.6))
      canvas.fillEllipse(cx: cx, cy: cy + 0.56 * r, rx: 0.09 * r, ry: 0.06 * r, RGB(230, 100, 110))
    case .grin:
      canvas.fillEllipse(cx: cx, cy: cy + 0.45 * r, rx: 0.38 * r, ry: 0.22 * r, lips.scaled(0.7))
      canvas.fillRect(
        x0: Int(cx - 0.3 * r), y0: Int(cy + 0.45 * r - 0.2 * r),
        x1: Int(cx + 0.3 * r) + 1, y1: Int(cy + 0.45 * r - 0.08 * r), .white)
      canvas.fillEllipse(cx: cx, cy: cy + 0.3 * r, rx: 0.42 * r, ry: 0.12 * r, skin)
    }
  }

  /// Shoulders and neck below a head of `radius` centred on (cx, cy).
  static func drawShoulders(
    on canvas: inout Canvas, cx: Double, cy: Double, radius r: Double, shirt: RGB, skin: RGB
  ) {
    canvas.fillEllipse(cx: cx, cy: cy + 2.45 * r, rx: 1.45 * r, ry: 1.2 * r, shirt)
    canvas.fillRect(
      x0: Int(cx - 1.45 * r), y0: Int(cy + 2.45 * r), x1: Int(cx + 1.45 * r) + 1, y1: canvas.height, shirt)
    canvas.fillRect(
      x0: Int(cx - 0.3 * r), y0: Int(cy + 0.6 * r), x1: Int(cx + 0.3 * r) + 1, y1: Int(cy + 1.35 * r),
      skin.scaled(0.88))
    canvas.fillEllipse(cx: cx, cy: cy + 1.3 * r, rx: 0.3 * r, ry: 0.14 * r, skin.scaled(0.88))
  }
}
