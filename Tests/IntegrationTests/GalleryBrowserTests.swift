import Foundation
import Testing

/// The gallery in a real browser: a sync against the emulator with hostile output names and a
/// failed job, `swapsync gallery`, then headless Chromium takes a screenshot and dumps the DOM
/// after the page's own script has checked every result image.
@Suite("gallery in a browser", .timeLimit(.minutes(5)))
struct GalleryBrowserTests {
  /// Valid outputs (quotes, `<`, `>` and `=` are allowed) that would be markup if not escaped.
  static let injectedElement = "<img id=injected src=x onerror=document.title='pwned'>.png"
  /// A quote with a combining mark: one grapheme, so an escaper working by Character misses it and
  /// the quoted attribute it lands in would end there.
  static let attributeBreakout = "q\"\u{301} id=injected2 onload=document.title='pwned2' x=.png"

  @Test(
    "every done entry's result loads from file://, hostile names stay text, failures show their message",
    .enabled(
      if: Chromium.shouldRun, "chromium is not installed (apt-get install chromium); CI always runs this"))
  func galleryInChromium() async throws {
    let emulator = try await Emulator(arguments: [
      "--job-duration", "50ms", "--fail-when", "face-bob=no face found in swapImage",
    ])
    let sandbox = try Sandbox()
    let beach = emulator.sample("target-beach"), office = emulator.sample("target-office")
    let alice = emulator.sample("face-alice"), bob = emulator.sample("face-bob")
    try Crash.writeMatrixManifest(
      sandbox, targets: ["beach": beach, "office": office], faces: ["alice": alice, "bob": bob],
      output: "{face}/{target}.png",
      swaps: [
        (Self.injectedElement, beach, alice), (Self.attributeBreakout, office, alice),
        ("hero/alice on the beach #1.png", beach, alice),
      ])
    let sync = try await sandbox.swapsync(["sync", "--poll-interval", "20ms"], emulator: emulator)
    #expect(sync.status == 1, "two bob entries fail: \(sync.stderr)")

    let status = try await sandbox.swapsync(["status", "--json"], emulator: nil)
    let entries = try #require(
      try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
    let done = entries.filter { $0["status"] as? String == "done" }.compactMap { $0["output"] as? String }
    #expect(done.count == 5)
    #expect(entries.filter { $0["status"] as? String == "failed" }.count == 2)

    let gallery = try await sandbox.swapsync(["gallery"], emulator: nil)
    #expect(gallery.status == 0, "\(gallery.stderr)")
    let page = sandbox.path("out/index.html")
    #expect(gallery.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == page)
    let url = URL(fileURLWithPath: page).absoluteString
    let scratch = sandbox.path("browser")
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)

    let screenshot = scratch + "/gallery.png"
    _ = try await Chromium.run(
      ["--screenshot=\(screenshot)", "--window-size=1280,2000", "--virtual-time-budget=10000"], url: url,
      scratch: scratch)
    #expect(isPNG(FileManager.default.contents(atPath: screenshot)), "a screenshot was taken")
    if let keep = ProcessInfo.processInfo.environment["SWAPSYNC_GALLERY_SCREENSHOT"] {
      try? FileManager.default.removeItem(atPath: keep)
      try FileManager.default.copyItem(atPath: screenshot, toPath: keep)
    }

    let dom = try await Chromium.run(
      ["--dump-dom", "--virtual-time-budget=10000"], url: url, scratch: scratch)
    // The page's own script ran (the CSP allowed it by hash) and found every result image loaded.
    #expect(dom.contains("data-results-total=\"\(done.count)\""), "\(dom.prefix(600))")
    #expect(dom.contains("data-results-loaded=\"\(done.count)\""))
    let resultImages = dom.components(separatedBy: "<img class=\"result-image\"").dropFirst()
    #expect(resultImages.count == done.count)
    #expect(resultImages.allSatisfy { $0.prefix(while: { $0 != ">" }).contains("data-loaded=\"true\"") })
    #expect(dom.contains("\(done.count) result images shown."))
    // Hostile names are text: no element was injected, no handler ran, the title is the page's.
    #expect(!dom.contains("id=\"injected\""))
    #expect(!dom.contains("id=\"injected2\""))
    #expect(dom.contains("<title>swapsync gallery: swaps.json</title>"))
    #expect(dom.contains("&lt;img id=injected src=x onerror=document.title='pwned'&gt;.png"))
    let breakoutAsText = Self.attributeBreakout  // text nodes keep quotes as they are
    #expect(dom.contains(breakoutAsText))
    // Failed entries show their state and the server's message; inputs are the emulator's images.
    #expect(dom.components(separatedBy: "data-state=\"failed\"").count - 1 == 2)
    #expect(dom.contains("no face found in swapImage"))
    #expect(dom.contains("src=\"\(beach)\""))
  }
}
