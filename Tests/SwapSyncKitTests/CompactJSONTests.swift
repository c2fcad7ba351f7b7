import Foundation
import Testing

@testable import SwapSyncKit

/// The hand-written journal and request encoding gives exactly `JSONEncoder`'s bytes.
@Suite(.timeLimit(.minutes(3))) struct CompactJSONTests {
  static let awkward = [
    "plain", "", "quote\"d", "back\\slash", "slash/es", "tab\tnew\nline\r", "ctl\u{1}\u{8}\u{C}\u{1F}",
    "\u{7F}", "\u{E9}t\u{E9}", "e\u{301}", "\u{1F600}", "\u{2028}\u{2029}", "\u{0}", "\u{FEFF}x",
  ]

  static func encoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  @Test func stringsAreEscapedAsJSONEncoderDoes() throws {
    for text in Self.awkward {
      var bytes: [UInt8] = []
      CompactJSON.appendString(text, to: &bytes)
      #expect(bytes == [UInt8](try Self.encoder().encode(text)), "\(text.debugDescription)")
    }
  }

  @Test func requestBodiesMatchJSONEncoder() throws {
    let bodies: [[String: String]] = [
      ["jobId": "SWAP-FACE-171349414479347616"],
      [
        "targetImage": "https://img.example.com/t.png?a=1&b=\u{E9}", "swapImage": "https://f/x.jpg",
        "hookUrl": "",
      ],
      Dictionary(
        uniqueKeysWithValues: Self.awkward.enumerated().map { ("k\($0.offset)\($0.element)", $0.element) }),
    ]
    for body in bodies {
      #expect(CompactJSON.object(body) == [UInt8](try Self.encoder().encode(body)))
    }
  }

  @Test func journalBatchesMatchJSONEncoderAndReadBack() throws {
    let full = LockEntry(
      targetImage: "https://t/\u{E9}.png", swapImage: "https://f/a b.jpg", state: .done,
      jobId: "SWAP-FACE-1", sha256: String(repeating: "0f", count: 32), size: 123_456, imageType: "png",
      quota: 2, message: "line\none \"two\"", submittedAt: "2026-11-30T10:00:00Z",
      finishedAt: "2026-11-30T10:01:00Z", adopted: false, unusableRuns: 3)
    let bare = LockEntry(targetImage: "https://t/b.png", swapImage: "https://f/x.png", state: .submitting)
    var adopted = bare
    adopted.adopted = true
    adopted.size = -1
    var updates: [String: LockEntry?] = ["a.png": full, "b/c.png": bare, "gone.png": nil, "z.png": adopted]
    for (index, text) in Self.awkward.enumerated() {
      updates["out\(index)\(text).png"] = index % 2 == 0 ? full : nil
    }
    let line = CompactJSON.batch(updates)
    #expect(line == [UInt8](try Self.encoder().encode(updates)))
    #expect(try JSONDecoder().decode([String: LockEntry?].self, from: Data(line)) == updates)
    #expect(CompactJSON.batch([:]) == Array("{}".utf8))
  }
}
