/// An 8-bit RGB colour.
struct RGB: Sendable, Equatable {
  var r: UInt8
  var g: UInt8
  var b: UInt8

  init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
    self.r = r
    self.g = g
    self.b = b
  }

  static let black = RGB(20, 20, 24)
  static let white = RGB(250, 250, 250)

  /// The colour `amount` (0...1) of the way towards `other`.
  func mixed(with other: RGB, _ amount: Double) -> RGB {
    func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
      UInt8(max(0, min(255, (Double(a) + (Double(b) - Double(a)) * amount).rounded())))
    }
    return RGB(channel(r, other.r), channel(g, other.g), channel(b, other.b))
  }

  /// Darker (`factor` < 1) or lighter (> 1).
  func scaled(_ factor: Double) -> RGB {
    func channel(_ value: UInt8) -> UInt8 { UInt8(max(0, min(255, (Double(value) * factor).rounded()))) }
    return RGB(channel(r), channel(g), channel(b))
  }
}

/// A raster of RGB pixels with the few filled shapes the emulator's pictures are drawn from.
/// Shapes cover the pixels whose centres they contain; later shapes paint over earlier ones.
struct Canvas {
  let width: Int
  let height: Int
  /// Row-major RGB bytes.
  private(set) var pixels: [UInt8]

  init(width: Int, height: Int, background: RGB) {
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    fillRect(x0: 0, y0: 0, x1: width, y1: height, background)
  }

  mutating func set(_ x: Int, _ y: Int, _ colour: RGB) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let index = (y * width + x) * 3
    pixels[index] = colour.r
    pixels[index + 1] = colour.g
    pixels[index + 2] = colour.b
  }

  /// Fills the half-open rectangle [x0, x1) × [y0, y1), clipped to the canvas.
  mutating func fillRect(x0: Int, y0: Int, x1: Int, y1: Int, _ colour: RGB) {
    for y in max(0, y0)..<max(max(0, y0), min(height, y1)) {
      for x in max(0, x0)..<max(max(0, x0), min(width, x1)) { set(x, y, colour) }
    }
  }

  /// Rows [y0, y1) shaded from `top` to `bottom`.
  mutating func verticalGradient(y0: Int, y1: Int, top: RGB, bottom: RGB) {
    let span = Double(max(1, y1 - y0 - 1))
    for y in max(0, y0)..<max(max(0, y0), min(height, y1)) {
      fillRect(x0: 0, y0: y, x1: width, y1: y + 1, top.mixed(with: bottom, Double(y - y0) / span))
    }
  }

  /// An axis-aligned ellipse centred on (cx, cy) with radii rx, ry.
  mutating func fillEllipse(cx: Double, cy: Double, rx: Double, ry: Double, _ colour: RGB) {
    fill(minX: cx - rx, minY: cy - ry, maxX: cx + rx, maxY: cy + ry, colour) { x, y in
      let dx = (x - cx) / rx
      let dy = (y - cy) / ry
      return dx * dx + dy * dy <= 1
    }
  }

  /// The band between an ellipse and the same ellipse shrunk by `thickness` (a frame, a ring).
  mutating func fillRing(cx: Double, cy: Double, rx: Double, ry: Double, thickness: Double, _ colour: RGB) {
    let innerX = max(0.5, rx - thickness)
    let innerY = max(0.5, ry - thickness)
    fill(minX: cx - rx, minY: cy - ry, maxX: cx + rx, maxY: cy + ry, colour) { x, y in
      let ox = (x - cx) / rx
      let oy = (y - cy) / ry
      let ix = (x - cx) / innerX
      let iy = (y - cy) / innerY
      return ox * ox + oy * oy <= 1 && ix * ix + iy * iy > 1
    }
  }

  /// A filled triangle.
  mutating func fillTriangle(
    _ a: (x: Double, y: Double), _ b: (x: Double, y: Double), _ c: (x: Double, y: Double), _ colour: RGB
  ) {
    func side(_ p: (x: Double, y: Double), _ q: (x: Double, y: Double), _ x: Double, _ y: Double) -> Double {
      (q.x - p.x) * (y - p.y) - (q.y - p.y) * (x - p.x)
    }
    fill(
      minX: min(a.x, b.x, c.x), minY: min(a.y, b.y, c.y), maxX: max(a.x, b.x, c.x), maxY: max(a.y, b.y, c.y),
      colour
    ) { x, y in
      let s1 = side(a, b, x, y)
      let s2 = side(b, c, x, y)
      let s3 = side(c, a, x, y)
      return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0)
    }
  }

  /// Adds a film grain of ±`amplitude` levels (the same on the three channels of a pixel),
  /// a deterministic function of `seed`: it keeps the pictures of different pairs different
  /// byte for byte and makes them compress about as much as a photo.
  mutating func addGrain(seed: UInt64, amplitude: Int) {
    let levels = UInt64(2 * amplitude + 1)
    var state = seed
    for pixel in 0..<(width * height) {
      state &+= 0x9E37_79B9_7F4A_7C15
      let delta = Int(SeededRandom.mix(state) % levels) - amplitude
      for channel in 0..<3 {
        let index = pixel * 3 + channel
        pixels[index] = UInt8(max(0, min(255, Int(pixels[index]) + delta)))
      }
    }
  }

  /// The picture as a PNG file.
  func png() -> [UInt8] {
    PNGEncoder.encodeRGB(width: width, height: height, rgb: pixels)
  }

  /// Paints the pixels inside the bounding box whose centre satisfies `inside`.
  private mutating func fill(
    minX: Double, minY: Double, maxX: Double, maxY: Double, _ colour: RGB,
    inside: (Double, Double) -> Bool
  ) {
    let x0 = max(0, Int((minX - 0.5).rounded(.down)))
    let x1 = min(width - 1, Int((maxX + 0.5).rounded(.up)))
    let y0 = max(0, Int((minY - 0.5).rounded(.down)))
    let y1 = min(height - 1, Int((maxY + 0.5).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
      for x in x0...x1 where inside(Double(x) + 0.5, Double(y) + 0.5) { set(x, y, colour) }
    }
  }
}
