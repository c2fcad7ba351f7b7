/// One matrix block on the page: a table with a row per face and a column per target, in the
/// order the manifest lists them.
public struct GalleryGrid: Sendable {
  /// `matrix[0]`.
  public var name: String
  public var targets: [Header]
  public var rows: [Row]

  /// A column or row heading: the matrix key and its image.
  public struct Header: Sendable, Equatable {
    public var key: String
    public var image: GalleryImage
  }

  /// One face and its cells, one per target.
  public struct Row: Sendable {
    public var face: Header
    public var cells: [Cell]
  }

  /// One (target, face) cell; `item` is nil only if the manifest has no entry there.
  public struct Cell: Sendable {
    public var item: GalleryItem?
  }

  var count: Int { rows.reduce(0) { $0 + $1.cells.filter { $0.item != nil }.count } }

  /// Groups matrix entries by block; each cell's pair gives the headings' images.
  static func grids(_ cells: [(MatrixCell, SwapPair, GalleryItem)]) -> [GalleryGrid] {
    let blocks = Dictionary(grouping: cells, by: { $0.0.block })
    return blocks.keys.sorted().map { block in
      let members = blocks[block] ?? []
      var targets: [Int: Header] = [:]
      var faces: [Int: Header] = [:]
      var items: [Int: [Int: GalleryItem]] = [:]
      for (cell, pair, item) in members {
        targets[cell.targetIndex] = Header(key: cell.target, image: GalleryImage(pair.targetImage))
        faces[cell.faceIndex] = Header(key: cell.face, image: GalleryImage(pair.swapImage))
        items[cell.faceIndex, default: [:]][cell.targetIndex] = item
      }
      let targetOrder = targets.keys.sorted()
      let rows = faces.keys.sorted().compactMap { faceIndex -> Row? in
        guard let face = faces[faceIndex] else { return nil }
        return Row(face: face, cells: targetOrder.map { Cell(item: items[faceIndex]?[$0]) })
      }
      return GalleryGrid(
        name: "matrix[\(block)]", targets: targetOrder.compactMap { targets[$0] }, rows: rows)
    }
  }
}
