/// A simple scene of coloured shapes for "target" pictures: a beach, a park, mountains or a
/// room. The kind comes from a word in the name when there is one (`beach`, `park`,
/// `mountain`, `office`, ...), otherwise from the seed; colours and positions come from the seed.
struct SceneryPicture: Sendable {
  enum Kind: Sendable, CaseIterable { case beach, park, mountains, room }

  let kind: Kind
  private let seed: [UInt8]

  /// Words that pick a kind, checked in this order.
  private static let hints: [(Kind, [String])] = [
    (.room, ["office", "room", "home", "kitchen", "studio", "indoor", "house", "lobby"]),
    (.beach, ["beach", "sea", "coast", "island", "lake", "shore"]),
    (.mountains, ["mountain", "alps", "hill", "peak", "snow", "ski"]),
    (.park, ["park", "garden", "forest", "field", "meadow", "wood"]),
  ]

  init(seed: [UInt8], name: String?) {
    precondition(seed.count >= 24, "a scene needs a 24-byte seed")
    self.seed = seed
    let lower = name?.lowercased() ?? ""
    kind =
      Self.hints.first { _, words in words.contains { lower.contains($0) } }?.0
      ?? Kind.allCases[Int(seed[0]) % Kind.allCases.count]
  }

  /// A seed byte scaled to `range`.
  private func pick(_ index: Int, _ range: ClosedRange<Double>) -> Double {
    range.lowerBound + (range.upperBound - range.lowerBound) * Double(seed[index % seed.count]) / 255
  }

  /// Paints the whole canvas.
  func draw(on canvas: inout Canvas) {
    if kind == .room {
      drawRoom(on: &canvas)
      return
    }
    let w = Double(canvas.width)
    let h = Double(canvas.height)
    let horizon = Int(h * pick(1, 0.5...0.62))
    let dusk = seed[2] % 5 == 0
    let skyTop = dusk ? RGB(60, 40, 110) : RGB(40, 110, 200).mixed(with: RGB(seed[3], seed[4], 255), 0.2)
    let skyBottom = dusk ? RGB(250, 150, 90) : RGB(170, 215, 250)
    canvas.verticalGradient(y0: 0, y1: horizon, top: skyTop, bottom: skyBottom)
    let sunX = w * (seed[5] % 2 == 0 ? pick(6, 0.1...0.28) : pick(6, 0.72...0.9))
    canvas.fillEllipse(
      cx: sunX, cy: h * pick(7, 0.1...0.25), rx: w * 0.08, ry: w * 0.08,
      dusk ? RGB(255, 120, 60) : RGB(255, 220, 70))
    for cloud in 0..<2 {
      let cx = w * pick(8 + cloud, 0.15...0.85)
      let cy = h * pick(10 + cloud, 0.08...0.3)
      for (dx, dy, r) in [(-0.05, 0.01, 0.045), (0.0, -0.015, 0.06), (0.055, 0.01, 0.045)] {
        canvas.fillEllipse(cx: cx + dx * w, cy: cy + dy * h, rx: r * w, ry: r * w * 0.75, RGB(245, 245, 250))
      }
    }
    switch kind {
    case .beach: drawBeach(on: &canvas, horizon: horizon)
    case .park: drawPark(on: &canvas, horizon: horizon)
    case .mountains, .room: drawMountains(on: &canvas, horizon: horizon)
    }
  }

  private func drawBeach(on canvas: inout Canvas, horizon: Int) {
    let w = Double(canvas.width)
    let h = Double(canvas.height)
    let shore = horizon + Int(h * pick(12, 0.1...0.16))
    canvas.verticalGradient(y0: horizon, y1: shore, top: RGB(20, 90, 160), bottom: RGB(60, 170, 200))
    canvas.verticalGradient(y0: shore, y1: canvas.height, top: RGB(240, 215, 150), bottom: RGB(225, 190, 120))
    let x = w * (seed[13] % 2 == 0 ? pick(14, 0.08...0.2) : pick(14, 0.8...0.92))
    let top = Double(shore) + h * 0.02
    canvas.fillRect(x0: Int(x) - 1, y0: Int(top), x1: Int(x) + 2, y1: Int(h * 0.95), RGB(110, 80, 50))
    let shade = RGB(seed[15], seed[16] / 2, seed[17] / 2).mixed(with: RGB(230, 40, 40), 0.5)
    canvas.fillTriangle(
      (x - w * 0.11, top + h * 0.05), (x + w * 0.11, top + h * 0.05), (x, top - h * 0.04), shade)
  }

  private func drawPark(on canvas: inout Canvas, horizon: Int) {
    let w = Double(canvas.width)
    let h = Double(canvas.height)
    let hill = RGB(70, 150, 70).mixed(with: RGB(seed[12], 200, seed[13]), 0.2)
    canvas.fillEllipse(
      cx: w * pick(14, 0.2...0.8), cy: Double(horizon) + h * 0.1, rx: w * 0.6, ry: h * 0.16, hill)
    canvas.verticalGradient(
      y0: horizon + Int(h * 0.05), y1: canvas.height, top: RGB(100, 180, 80), bottom: RGB(60, 130, 50))
    canvas.fillTriangle(
      (w * 0.44, h), (w * 0.56, h), (w * 0.5, Double(horizon) + h * 0.05), RGB(200, 180, 140))
    for tree in 0..<3 {
      let x = w * (tree == 0 ? pick(15, 0.06...0.2) : tree == 1 ? pick(16, 0.78...0.94) : pick(17, 0.3...0.4))
      let base = Double(horizon) + h * pick(18 + tree, 0.08...0.2)
      let size = w * pick(21 + tree, 0.06...0.1)
      canvas.fillRect(
        x0: Int(x - size * 0.2), y0: Int(base - size * 1.4), x1: Int(x + size * 0.2) + 1, y1: Int(base),
        RGB(100, 70, 40))
      canvas.fillEllipse(cx: x, cy: base - size * 1.6, rx: size, ry: size * 1.1, RGB(40, 110, 50))
    }
  }

  private func drawMountains(on canvas: inout Canvas, horizon: Int) {
    let w = Double(canvas.width)
    let h = Double(canvas.height)
    let y = Double(horizon)
    for peak in 0..<3 {
      let x = w * (0.15 + 0.35 * Double(peak)) + w * pick(12 + peak, -0.08...0.08)
      let height = h * pick(15 + peak, 0.25...0.42)
      let half = w * pick(18 + peak, 0.22...0.3)
      let rock = RGB(110, 100, 130).mixed(with: RGB(seed[21], seed[22], seed[23]), 0.15)
      canvas.fillTriangle(
        (x - half, y + 1), (x + half, y + 1), (x, y - height), rock.scaled(1 - 0.08 * Double(peak)))
      let cap = 0.28
      canvas.fillTriangle(
        (x - half * cap, y - height * (1 - cap)), (x + half * cap, y - height * (1 - cap)), (x, y - height),
        RGB(245, 245, 250))
    }
    canvas.verticalGradient(y0: horizon, y1: canvas.height, top: RGB(120, 160, 80), bottom: RGB(80, 120, 60))
  }

  private func drawRoom(on canvas: inout Canvas) {
    let w = Double(canvas.width)
    let h = Double(canvas.height)
    let wall = RGB(seed[1], seed[2], seed[3]).mixed(with: RGB(235, 225, 205), 0.65)
    let floorTop = Int(h * pick(4, 0.68...0.76))
    canvas.fillRect(x0: 0, y0: 0, x1: canvas.width, y1: floorTop, wall)
    canvas.verticalGradient(y0: floorTop, y1: canvas.height, top: RGB(150, 105, 65), bottom: RGB(110, 75, 45))
    canvas.fillRect(x0: 0, y0: floorTop - 3, x1: canvas.width, y1: floorTop, wall.scaled(0.75))
    // a window with sky and a sun behind it
    let windowLeft = seed[5] % 2 == 0
    let wx0 = Int(w * (windowLeft ? 0.06 : 0.62))
    let wx1 = wx0 + Int(w * 0.32)
    let wy0 = Int(h * 0.1)
    let wy1 = Int(h * 0.42)
    canvas.fillRect(x0: wx0 - 4, y0: wy0 - 4, x1: wx1 + 4, y1: wy1 + 4, RGB(245, 245, 245))
    canvas.verticalGradient(y0: wy0, y1: wy1, top: RGB(90, 150, 220), bottom: RGB(180, 220, 250))
    canvas.fillRect(x0: 0, y0: wy0, x1: wx0, y1: wy1, wall)
    canvas.fillRect(x0: wx1, y0: wy0, x1: canvas.width, y1: wy1, wall)
    canvas.fillEllipse(
      cx: Double(wx1) - w * 0.08, cy: Double(wy0) + h * 0.08, rx: w * 0.04, ry: w * 0.04, RGB(255, 220, 70))
    canvas.fillRect(x0: (wx0 + wx1) / 2 - 2, y0: wy0, x1: (wx0 + wx1) / 2 + 2, y1: wy1, RGB(245, 245, 245))
    canvas.fillRect(x0: wx0, y0: (wy0 + wy1) / 2 - 2, x1: wx1, y1: (wy0 + wy1) / 2 + 2, RGB(245, 245, 245))
    // a framed picture on the other side
    let px0 = Int(w * (windowLeft ? 0.7 : 0.08))
    let art = RGB(seed[6], seed[7], seed[8])
    canvas.fillRect(x0: px0, y0: Int(h * 0.14), x1: px0 + Int(w * 0.2), y1: Int(h * 0.32), RGB(90, 60, 30))
    canvas.fillRect(
      x0: px0 + 4, y0: Int(h * 0.14) + 4, x1: px0 + Int(w * 0.2) - 4, y1: Int(h * 0.32) - 4,
      art.mixed(with: .white, 0.3))
    canvas.fillEllipse(
      cx: Double(px0) + w * 0.1, cy: h * 0.23, rx: w * 0.04, ry: h * 0.04, art.mixed(with: .black, 0.4))
    // a desk with a screen and a plant
    let desk = RGB(120, 80, 50).mixed(with: RGB(seed[9], seed[10], seed[11]), 0.2)
    let deskTop = Int(h * 0.6)
    canvas.fillRect(x0: Int(w * 0.05), y0: deskTop, x1: Int(w * 0.95), y1: deskTop + 8, desk)
    canvas.fillRect(x0: Int(w * 0.08), y0: deskTop + 8, x1: Int(w * 0.12), y1: Int(h * 0.9), desk.scaled(0.8))
    canvas.fillRect(x0: Int(w * 0.88), y0: deskTop + 8, x1: Int(w * 0.92), y1: Int(h * 0.9), desk.scaled(0.8))
    let screenX = Int(w * (windowLeft ? 0.72 : 0.1))
    canvas.fillRect(x0: screenX, y0: deskTop - 40, x1: screenX + 52, y1: deskTop - 8, RGB(40, 40, 48))
    canvas.fillRect(x0: screenX + 3, y0: deskTop - 37, x1: screenX + 49, y1: deskTop - 11, RGB(80, 140, 200))
    canvas.fillRect(x0: screenX + 22, y0: deskTop - 8, x1: screenX + 30, y1: deskTop, RGB(40, 40, 48))
    let plantX = w * (windowLeft ? 0.12 : 0.85)
    canvas.fillRect(
      x0: Int(plantX) - 8, y0: deskTop - 16, x1: Int(plantX) + 9, y1: deskTop, RGB(180, 90, 50))
    canvas.fillEllipse(cx: plantX, cy: Double(deskTop) - 26, rx: 14, ry: 14, RGB(50, 140, 60))
  }
}
