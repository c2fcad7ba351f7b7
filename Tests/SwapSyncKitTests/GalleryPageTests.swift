import Foundation
import Testing

@testable import SwapSyncKit

/// The gallery page as HTML: escaping, result links, grid order, the script and its policy.
@Suite("gallery page", .timeLimit(.minutes(5)))
struct GalleryPageTests {
  static let injected = "<img id=injected src=x onerror=alert(1)>.png"
  /// A quote followed by a combining mark is one Character; escaping by Character would miss it.
  static let quoteBreakout = "q\"\u{301} onload=alert(2) x=.png"
  static let oddName = "a b/c?d#e%.png"

  static let manifest = #"""
    {"version": 1, "outputDir": "out",
     "swaps": [
       {"output": "<img id=injected src=x onerror=alert(1)>.png",
        "targetImage": "https://img.example.com/t.png", "swapImage": "https://img.example.com/f.png"},
       {"output": "q\"\u0301 onload=alert(2) x=.png",
        "targetImage": "https://img.example.com/t.png?a=1&b=\"2\"", "swapImage": "https://img.example.com/g.png"},
       {"output": "a b/c?d#e%.png",
        "targetImage": "https://img.example.com/t.png", "swapImage": "https://img.example.com/h.png"}
     ],
     "matrix": [
       {"targets": {"zeta": "https://img.example.com/zeta.png", "alpha": "https://img.example.com/alpha.png"},
        "faces": {"bob": "https://img.example.com/bob.png", "alice": "https://img.example.com/alice.png"},
        "output": "grid/{face}-{target}.png"}
     ]}
    """#

  /// A workspace in a temporary folder, with result files for some outputs and a hand-made report.
  struct Fixture {
    var root: URL
    var inspection: Inspection

    init() throws {
      root = FileManager.default.temporaryDirectory.appendingPathComponent(
        "swapsync-gallery-\(UUID().uuidString)")
      let out = root.appendingPathComponent("out")
      try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
      let manifest = try ManifestLoader.parse(
        Array(GalleryPageTests.manifest.utf8), path: "swaps.json", allowHTTP: false)
      let done = [GalleryPageTests.injected, GalleryPageTests.oddName, "grid/bob-zeta.png"]
      for output in done {
        let file = out.appendingPathComponent(output)
        try FileManager.default.createDirectory(
          at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: file)
      }
      var reports = manifest.entries.map { entry in
        EntryReport(
          output: entry.output, status: done.contains(entry.output) ? .done : .missing,
          jobId: done.contains(entry.output) ? "SWAP-FACE-1" : nil, detail: nil)
      }
      if let index = reports.firstIndex(where: { $0.output == GalleryPageTests.quoteBreakout }) {
        reports[index].status = .failed
        reports[index].jobId = "SWAP-FACE-2"
        reports[index].detail = #"server said <b onclick="x">"no"</b> & 'gave up'"#
      }
      let workspace = Workspace(
        manifest: manifest, lockPath: root.appendingPathComponent("swaps.lock.json").path,
        outputRoot: out.path)
      inspection = Inspection(
        workspace: workspace, lock: Lockfile(), runnerPID: nil, entries: reports, plans: [])
    }

    func html(pageFolder: String? = nil) throws -> String {
      try GalleryPage.render(
        GalleryModel(inspection: inspection, pageFolder: pageFolder ?? root.path + "/out"))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
  }

  @Test("strings from the manifest and the server are text, never markup, inside attributes too")
  func hostileStringsAreEscaped() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let html = try fixture.html()
    #expect(!html.contains("<img id=injected"))
    #expect(html.contains("&lt;img id=injected src=x onerror=alert(1)&gt;.png"))
    #expect(!html.contains("<b onclick"))
    #expect(
      html.contains(
        "server said &lt;b onclick=&quot;x&quot;&gt;&quot;no&quot;&lt;/b&gt; &amp; &#39;gave up&#39;"))
    #expect(html.contains("https://img.example.com/t.png?a=1&amp;b=&quot;2&quot;"))
    let scalars = Array(html.unicodeScalars)
    let rawQuoteWithMark = zip(scalars, scalars.dropFirst()).contains { $0 == "\"" && $1 == "\u{301}" }
    #expect(!rawQuoteWithMark, "a quote before a combining mark must be escaped like any other quote")
    #expect(html.contains("q&quot;\u{301} onload=alert(2) x=.png"))
  }

  @Test("a scalar-by-scalar escape of every special character")
  func escapeFunction() {
    #expect(
      GalleryHTMLContentType.escape("<a href='x'>\"&\"\u{301}</a>")
        == "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;\u{301}&lt;/a&gt;")
    #expect(GalleryHTMLContentType.escape("<\u{338}") == "&lt;\u{338}")
  }

  @Test("results are linked relative to the page, percent-encoded per segment")
  func resultLinks() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let html = try fixture.html()
    #expect(html.contains(#"src="a%20b/c%3Fd%23e%25.png""#))
    #expect(html.contains(#"src="%3Cimg%20id%3Dinjected%20src%3Dx%20onerror%3Dalert%281%29%3E.png""#))
    #expect(html.contains(#"src="grid/bob-zeta.png""#))
    #expect(!html.contains(#"src="grid/alice-zeta.png""#), "no file, no image")
    let elsewhere = try fixture.html(pageFolder: fixture.root.path + "/pages/site")
    #expect(elsewhere.contains(#"src="../../out/grid/bob-zeta.png""#))
    #expect(GalleryURL.relative(file: "/a/out/x/y.png", fromFolder: "/a/out") == "x/y.png")
    #expect(GalleryURL.relative(file: "/a/out/x/y.png", fromFolder: "/b") == "../a/out/x/y.png")
    #expect(GalleryURL.relative(file: "/a/out/x/y.png", fromFolder: "/") == "a/out/x/y.png")
    #expect(GalleryURL.encodeSegment("é:~_-.") == "%C3%A9%3A~_-.")
  }

  @Test("a matrix block is a grid of faces × targets in manifest order; swaps are cards")
  func gridOrder() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let model = GalleryModel(inspection: fixture.inspection, pageFolder: fixture.root.path + "/out")
    #expect(model.swaps.count == 3)
    #expect(model.grids.count == 1)
    let grid = try #require(model.grids.first)
    #expect(grid.name == "matrix[0]")
    #expect(grid.targets.map(\.key) == ["zeta", "alpha"])
    #expect(grid.rows.map(\.face.key) == ["bob", "alice"])
    #expect(grid.rows[0].cells.map { $0.item?.output } == ["grid/bob-zeta.png", "grid/bob-alpha.png"])
    #expect(grid.rows[0].cells[0].item?.state == "done")
    #expect(model.entryCount == 7)
    #expect(model.states.map(\.name) == ["missing", "done", "failed"])
    let html = try fixture.html()
    let zeta = try #require(html.range(of: ">zeta<")), alpha = try #require(html.range(of: ">alpha<"))
    #expect(zeta.lowerBound < alpha.lowerBound)
  }

  @Test("only the page's own script may run: the policy carries its hash, the page its exact text")
  func scriptAndPolicy() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let html = try fixture.html()
    #expect(html.contains("<script>" + GalleryAssets.script + "</script>"))
    let policy = GalleryPage.contentSecurityPolicy
    #expect(policy.contains("script-src 'sha256-"))
    #expect(html.contains(#"content=""# + GalleryHTMLContentType.escape(policy) + #"""#))
    #expect(html.components(separatedBy: "<script").count == 2, "one script element")
    for asset in [GalleryAssets.script, GalleryAssets.style] {
      #expect(!asset.contains("{{") && !asset.contains("}}"))
    }
  }

  @Test("the page path: index.html in the output folder by default; never an image name or in .swapsync")
  func pagePath() throws {
    let fixture = try Fixture()
    defer { fixture.remove() }
    let workspace = fixture.inspection.workspace
    let written = try Gallery.write(fixture.inspection)
    #expect(written == workspace.outputRoot + "/index.html")
    let page = try String(contentsOfFile: written, encoding: .utf8)
    #expect(page.hasPrefix("<!DOCTYPE html>"))
    for bad in ["out/alice.png", workspace.stateDir + "/page.html", "out/.html"] {
      do {
        _ = try Gallery.pagePath(bad, workspace: workspace)
        Issue.record("\(bad) must be refused as a page path")
      } catch {
        #expect(error.status == .usage)
      }
    }
    let other = try Gallery.write(fixture.inspection, to: fixture.root.path + "/site/page.HTML")
    #expect(FileManager.default.fileExists(atPath: other))
  }
}
