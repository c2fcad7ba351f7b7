import Foundation

/// What the gallery page shows, built from a read-only `Inspection`: every entry with its input
/// images, its result (as a link relative to the page), state, job id and message. Swaps are
/// cards, each matrix block is a grid of faces × targets, and lockfile orphans come last.
/// Property names are the template's keys (see `GalleryTemplate`).
public struct GalleryModel: Sendable {
  /// The manifest path as the user gave it.
  public var manifest: String
  public var entryCount: Int
  /// The states present, in lifecycle order, with their counts: the page's filters.
  public var states: [GalleryStateCount]
  public var swaps: [GalleryItem]
  public var grids: [GalleryGrid]
  public var orphans: [GalleryItem]
  /// Set when a sync run held the lock while the page was made.
  public var runnerPID: Int32?

  // Stored, not computed: the template reads properties through reflection, which sees only these.
  var hasSwaps = false
  var hasOrphans = false
  var isEmpty = true

  /// Builds the model for a page written into the folder `pageFolder` (an absolute path).
  public init(inspection: Inspection, pageFolder: String) {
    let root = inspection.workspace.outputRoot
    let resolvedRoot = Self.resolved(root)
    let resolvedPage = Self.resolved(pageFolder)
    let reports = Dictionary(inspection.entries.map { ($0.output, $0) }, uniquingKeysWith: { a, _ in a })
    func item(_ output: String, pair: SwapPair?, origin: String?) -> GalleryItem {
      let report = reports[output]
      let status = report?.status ?? .missing
      var source: String?
      if case .present = OutputFiles.probe(root: root, output) {
        source = GalleryURL.relative(file: resolvedRoot + "/" + output, fromFolder: resolvedPage)
      }
      return GalleryItem(
        output: output, state: status.rawValue, isDone: status == .done, jobId: report?.jobId,
        detail: report?.detail, origin: origin, target: pair.map { GalleryImage($0.targetImage) },
        face: pair.map { GalleryImage($0.swapImage) }, resultSource: source)
    }
    let entries = inspection.workspace.manifest.entries
    manifest = inspection.workspace.manifest.path
    swaps = entries.filter { $0.matrix == nil }.map { item($0.output, pair: $0.pair, origin: $0.origin) }
    grids = GalleryGrid.grids(
      entries.compactMap { entry in
        entry.matrix.map { ($0, entry.pair, item(entry.output, pair: entry.pair, origin: entry.origin)) }
      })
    orphans = inspection.entries.filter { $0.status == .orphan }.map {
      item($0.output, pair: inspection.lock.entries[$0.output]?.pair, origin: nil)
    }
    entryCount = swaps.count + grids.reduce(0) { $0 + $1.count } + orphans.count
    var counts: [EntryStatus: Int] = [:]
    for report in inspection.entries { counts[report.status, default: 0] += 1 }
    states = EntryStatus.allCases.compactMap { status in
      counts[status].map { GalleryStateCount(name: status.rawValue, count: $0) }
    }
    runnerPID = inspection.runnerPID
    hasSwaps = !swaps.isEmpty
    hasOrphans = !orphans.isEmpty
    isEmpty = entryCount == 0
  }

  /// `path` with symbolic links resolved where the folders exist, so relative links between the
  /// page and the outputs hold on disk.
  private static func resolved(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
  }
}

/// One state filter: its name and how many entries are in it.
public struct GalleryStateCount: Sendable, Equatable {
  public var name: String
  public var count: Int
}

/// An input image: the URL as text, and as an image source when a browser may load it.
public struct GalleryImage: Sendable, Equatable {
  public var url: String
  public var source: String?

  init(_ url: String) {
    self.url = url
    self.source = GalleryURL.imageSource(url)
  }
}

/// One entry on the page.
public struct GalleryItem: Sendable, Equatable {
  public var output: String
  /// An `EntryStatus` raw value.
  public var state: String
  public var isDone: Bool
  public var jobId: String?
  /// The failure message or other explanation `status` shows.
  public var detail: String?
  /// `swaps[2]`, `matrix[0] (target beach, face bob)`; nil for orphans.
  public var origin: String?
  public var target: GalleryImage?
  public var face: GalleryImage?
  /// The result file relative to the page, percent-encoded; nil when no file is there.
  public var resultSource: String?
}
