import Testing

@testable import SwapSyncKit

@Suite("Manifest loading", .timeLimit(.minutes(3)))
struct ManifestLoaderTests {
  typealias Support = ManifestTestSupport

  static let beach = "https://img.example.com/targets/beach.jpg"
  static let office = "https://img.example.com/targets/office.png"
  static let alice = "https://img.example.com/faces/alice.jpg"
  static let bob = "https://img.example.com/faces/bob.jpg"
  static let topHook = "https://hooks.example.com/ttapi/5f1c"

  /// The product contract's example with one change: the swap's output is `alice/beach-closeup.jpg`
  /// (as in docs/manifest.md). Verbatim, the example's swap and its matrix both write
  /// `alice/beach.jpg`, which the duplicate rule forbids
  /// (see fixture 68-spec-example-verbatim.json).
  static let specExample = """
    {
      "version": 1,
      "outputDir": "out/team",
      "hookUrl": "https://hooks.example.com/ttapi/5f1c",
      "swaps": [
        { "output": "alice/beach-closeup.jpg",
          "targetImage": "https://img.example.com/targets/beach.jpg",
          "swapImage":   "https://img.example.com/faces/alice.jpg" }
      ],
      "matrix": [
        { "targets": { "beach": "https://img.example.com/targets/beach.jpg",
                       "office": "https://img.example.com/targets/office.png" },
          "faces":   { "alice": "https://img.example.com/faces/alice.jpg",
                       "bob":   "https://img.example.com/faces/bob.jpg" },
          "output":  "{face}/{target}.jpg" }
      ]
    }
    """

  @Test("the docs/manifest.md example expands to one swap plus four matrix entries, sorted by output")
  func specExample() throws {
    let manifest = try Support.parse(Self.specExample)
    #expect(manifest.path == "swaps.json")
    #expect(manifest.outputDir == "out/team")
    let expected = [
      ManifestEntry(
        output: "alice/beach-closeup.jpg", pair: SwapPair(targetImage: Self.beach, swapImage: Self.alice),
        hookUrl: Self.topHook, origin: "swaps[0]"),
      ManifestEntry(
        output: "alice/beach.jpg", pair: SwapPair(targetImage: Self.beach, swapImage: Self.alice),
        hookUrl: Self.topHook, origin: "matrix[0] (target beach, face alice)",
        matrix: MatrixCell(block: 0, target: "beach", targetIndex: 0, face: "alice", faceIndex: 0)),
      ManifestEntry(
        output: "alice/office.jpg", pair: SwapPair(targetImage: Self.office, swapImage: Self.alice),
        hookUrl: Self.topHook, origin: "matrix[0] (target office, face alice)",
        matrix: MatrixCell(block: 0, target: "office", targetIndex: 1, face: "alice", faceIndex: 0)),
      ManifestEntry(
        output: "bob/beach.jpg", pair: SwapPair(targetImage: Self.beach, swapImage: Self.bob),
        hookUrl: Self.topHook, origin: "matrix[0] (target beach, face bob)",
        matrix: MatrixCell(block: 0, target: "beach", targetIndex: 0, face: "bob", faceIndex: 1)),
      ManifestEntry(
        output: "bob/office.jpg", pair: SwapPair(targetImage: Self.office, swapImage: Self.bob),
        hookUrl: Self.topHook, origin: "matrix[0] (target office, face bob)",
        matrix: MatrixCell(block: 0, target: "office", targetIndex: 1, face: "bob", faceIndex: 1)),
    ]
    #expect(manifest.entries == expected)
    // The first two share a pair: both are kept (they become one job later).
    #expect(manifest.entries[0].pair == manifest.entries[1].pair)
  }

  @Test("an example whose swap and matrix both write alice/beach.jpg is rejected")
  func specExampleVerbatim() {
    let verbatim = Self.specExample.replacingOccurrences(
      of: "alice/beach-closeup.jpg", with: "alice/beach.jpg")
    #expect(
      Support.error(verbatim)?.description
        == "swaps.json: matrix[0] (target beach, face alice): output \"alice/beach.jpg\" duplicates swaps[0]")
  }

  @Test("the innermost hookUrl wins: swap and matrix block over the top level")
  func hookPrecedence() throws {
    let json = """
      {"version": 1, "hookUrl": "https://hooks.example.com/top",
       "swaps": [
         {"output": "a.jpg", "targetImage": "\(Self.beach)", "swapImage": "\(Self.alice)"},
         {"output": "b.jpg", "targetImage": "\(Self.beach)", "swapImage": "\(Self.bob)",
          "hookUrl": "https://hooks.example.com/swap"}],
       "matrix": [
         {"targets": {"t": "\(Self.office)"}, "faces": {"f": "\(Self.alice)"}, "output": "m1/{target}{face}",
          "hookUrl": "https://hooks.example.com/block"},
         {"targets": {"t": "\(Self.office)"}, "faces": {"f": "\(Self.bob)"}, "output": "m2/{target}{face}"}]}
      """
    let hooks = try Support.parse(json).entries.map { [$0.output, $0.hookUrl ?? "-"] }
    #expect(
      hooks == [
        ["a.jpg", "https://hooks.example.com/top"], ["b.jpg", "https://hooks.example.com/swap"],
        ["m1/tf", "https://hooks.example.com/block"], ["m2/tf", "https://hooks.example.com/top"],
      ])
    let noHooks = """
      {"version": 1, "swaps": [{"output": "a", "targetImage": "\(Self.beach)", "swapImage": "\(Self.alice)"}]}
      """
    #expect(try Support.parse(noHooks).entries.map(\.hookUrl) == [nil])
  }

  @Test("no swaps, an empty swaps list and an empty matrix list are all valid and empty")
  func emptyManifests() throws {
    for json in [
      #"{"version": 1}"#, #"{"version": 1, "swaps": []}"#, #"{"version": 1, "matrix": []}"#,
      #"{"version": 1, "swaps": [], "matrix": [], "outputDir": "/abs/out"}"#,
    ] {
      #expect(try Support.parse(json).entries.isEmpty)
    }
    #expect(try Support.parse(#"{"version": 1}"#).outputDir == nil)
    #expect(try Support.parse(#"{"version": 1, "outputDir": "/abs/out"}"#).outputDir == "/abs/out")
  }

  @Test("version may be written 1, 1.0 or 1e0 but means the number 1")
  func versionSpellings() throws {
    for spelling in ["1", "1.0", "1e0", "10e-1"] {
      #expect(try Support.parse("{\"version\": \(spelling)}").entries.isEmpty)
    }
    #expect(
      Support.error(#"{"version": -1}"#)?.detail
        == "version: unsupported manifest version -1 (this swapsync reads version 1)")
    #expect(Support.error(#"{"version": true}"#)?.detail == "version: expected the number 1, found true")
  }

  @Test("entries are sorted by the bytes of their output")
  func byteOrder() throws {
    let outputs = ["é.jpg", "a/b.jpg", "alpha.jpg", "a.jpg", "Zed.jpg", "a-b.jpg", "_x.jpg"]
    let swaps = outputs.map {
      "{\"output\": \"\($0)\", \"targetImage\": \"\(Self.beach)\", \"swapImage\": \"\(Self.alice)\"}"
    }
    let json = "{\"version\": 1, \"swaps\": [\(swaps.joined(separator: ","))]}"
    #expect(
      try Support.parse(json).entries.map(\.output)
        == ["Zed.jpg", "_x.jpg", "a-b.jpg", "a.jpg", "a/b.jpg", "alpha.jpg", "é.jpg"])
  }

  @Test("plain http: loopback always, other hosts only with allowHTTP")
  func httpRule() throws {
    let json = """
      {"version": 1, "swaps": [{"output": "a.jpg", "targetImage": "http://127.0.0.1:8080/t.jpg",
        "swapImage": "http://[::1]:8080/f.jpg", "hookUrl": "http://localhost:9/hook"}]}
      """
    #expect(try Support.parse(json).entries.count == 1)
    let remote = """
      {"version": 1, "hookUrl": "http://hooks.example.com/x",
       "swaps": [{"output": "a.jpg", "targetImage": "http://img.example.com/t.jpg",
                  "swapImage": "\(Self.alice)"}]}
      """
    #expect(Support.error(remote)?.detail == "hookUrl: \(URLPolicy.httpNotAllowedMessage)")
    let entry = try #require(try Support.parse(remote, allowHTTP: true).entries.first)
    #expect(entry.pair.targetImage == "http://img.example.com/t.jpg")
    #expect(entry.hookUrl == "http://hooks.example.com/x")
    let ftp = remote.replacingOccurrences(of: "http://img", with: "ftp://img")
    #expect(
      Support.error(ftp, allowHTTP: true)?.detail
        == "swaps[0].targetImage: not an https URL (scheme \"ftp\" is not allowed)")
  }

  @Test("matrix blocks expand targets × faces in document order with readable origins")
  func matrixExpansion() throws {
    let json = """
      {"version": 1, "matrix": [
        {"targets": {"t2": "\(Self.office)", "t1": "\(Self.beach)"},
         "faces": {"f2": "\(Self.bob)", "f1": "\(Self.alice)", "f3": "\(Self.alice)"},
         "output": "out-{face}-{target}.webp"},
        {"targets": {"only": "\(Self.beach)"}, "faces": {"team/one": "\(Self.alice)"},
         "output": "single.png"}]}
      """
    let entries = try Support.parse(json).entries
    #expect(entries.count == 7)
    let byOutput = Dictionary(uniqueKeysWithValues: entries.map { ($0.output, $0) })
    #expect(byOutput["out-f3-t1.webp"]?.origin == "matrix[0] (target t1, face f3)")
    #expect(byOutput["out-f2-t2.webp"]?.pair == SwapPair(targetImage: Self.office, swapImage: Self.bob))
    // A key that never reaches a path (no {face}, one face) may contain "/".
    #expect(byOutput["single.png"]?.origin == "matrix[1] (target only, face team/one)")
  }

  @Test("locations quote keys that are not plain words")
  func quotedLocations() {
    let json = """
      {"version": 1, "matrix": [{"targets": {"beach": "\(Self.beach)"},
        "faces": {"alice smith": "ftp://x/y.jpg"}, "output": "{face}.jpg"}]}
      """
    #expect(
      Support.error(json)?.description
        == "swaps.json: matrix[0].faces[\"alice smith\"]: not an https URL (scheme \"ftp\" is not allowed)")
  }

  @Test("duplicate outputs name both origins; identical pairs do not excuse a duplicate")
  func duplicates() {
    let json = """
      {"version": 1,
       "swaps": [{"output": "x/y.jpg", "targetImage": "\(Self.beach)", "swapImage": "\(Self.alice)"}],
       "matrix": [{"targets": {"y": "\(Self.beach)"}, "faces": {"x": "\(Self.alice)"},
                   "output": "{face}/{target}.jpg"}]}
      """
    #expect(
      Support.error(json)?.detail == "matrix[0] (target y, face x): output \"x/y.jpg\" duplicates swaps[0]")
    let normalization = """
      {"version": 1, "swaps": [
        {"output": "caf\\u00e9.jpg", "targetImage": "\(Self.beach)", "swapImage": "\(Self.alice)"},
        {"output": "cafe\\u0301.jpg", "targetImage": "\(Self.beach)", "swapImage": "\(Self.bob)"}]}
      """
    // Outputs are read in NFC: the two spellings are one output, so the second duplicates the
    // first, and the message shows how each was spelled.
    let message = Support.error(normalization)?.detail ?? ""
    #expect(
      message
        == "swaps[1]: output \"caf\u{e9}.jpg\" duplicates swaps[0] (spelled \"cafe\\u{301}.jpg\" and "
        + "\"caf\\u{E9}.jpg\", one name in Unicode normalization form C, which swapsync uses for every output)",
      "\(message)")
  }
}
