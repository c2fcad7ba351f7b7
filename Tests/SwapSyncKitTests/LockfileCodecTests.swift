import Crypto
import Foundation
import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct LockfileCodecTests {
  static let done = LockEntry(
    targetImage: "https://img.example.com/targets/beach.jpg",
    swapImage: "https://img.example.com/faces/alice.jpg",
    state: .done, jobId: "SWAP-FACE-171349414479347616", sha256: String(repeating: "ab", count: 32),
    size: 1234,
    imageType: "jpeg", quota: 2, submittedAt: "2024-05-01T10:00:00Z", finishedAt: "2024-05-01T10:01:00Z")
  static let running = LockEntry(
    targetImage: "https://img.example.com/t.png", swapImage: "https://img.example.com/f.jpg", state: .running,
    jobId: "SWAP-FACE-2")
  static let failed = LockEntry(
    targetImage: "https://img.example.com/t.png", swapImage: "https://img.example.com/g.jpg", state: .failed,
    message: "insufficient quota")

  @Test func encodingIsByteIdenticalAcrossEncodesAndInsertionOrders() throws {
    var forward = Lockfile()
    var backward = Lockfile()
    let items =
      [("alice/beach.jpg", Self.done), ("bob/office.png", Self.running), ("carol/x.jpg", Self.failed)]
      + (0..<40).map { ("gen/\($0).jpg", Self.running) }
    for (key, entry) in items { forward.entries[key] = entry }
    for (key, entry) in items.reversed() { backward.entries[key] = entry }
    let first = try LockfileCodec.encode(forward)
    #expect(try LockfileCodec.encode(forward) == first)
    #expect(try LockfileCodec.encode(backward) == first)
  }

  @Test("entry-by-entry encoding gives exactly the bytes of one JSONEncoder call on the whole lockfile")
  func entryByEntryEncodingMatchesWholeEncoding() throws {
    let awkward = [
      "b.png", "B.png", "a.png", "e10.png", "e9.png", "\u{E9}.png", "e\u{301}x.png", "z.png", "_.png",
      "-.png",
      "Z/a.png", "a/b.png", "a-b.png", "\u{1F600}.png", "\u{DF}.png", "ss.png", "\u{C5}.png", "\u{FF21}.png",
      "quote\"d.png", "back\\slash.png", "tab\tname.png", "ctl\u{1}.png", "\u{7F}.png", "space name.png",
    ]
    var lock = Lockfile()
    for (index, output) in awkward.enumerated() {
      var entry = [Self.done, Self.running, Self.failed][index % 3]
      entry.message = index % 4 == 0 ? "line one\nline \"two\" \\ / \u{1F600} \u{0}" : entry.message
      lock.entries[output] = entry
    }
    #expect(try LockfileCodec.encode(lock) == Self.encodeWhole(lock))
    #expect(try LockfileCodec.encode(Lockfile()) == Self.encodeWhole(Lockfile()))
    let one = Lockfile(entries: ["only.png": Self.done])
    #expect(try LockfileCodec.encode(one) == Self.encodeWhole(one))
    // What reads back: every entry whose key can be an output path (a backslash, a tab or a
    // control character cannot: the reader refuses them, as the manifest does).
    let outputs = lock.entries.filter { OutputPath.problem(with: $0.key) == nil }
    #expect(outputs.count == awkward.count - 4)
    let readable = Lockfile(entries: outputs)
    #expect(try LockfileCodec.decode(LockfileCodec.encode(readable), path: "x") == readable)
    #expect(throws: LockfileError.self) { try LockfileCodec.decode(LockfileCodec.encode(lock), path: "x") }
  }

  @Test("a big lockfile is handed over in pieces of about 256 KiB that join to the same bytes")
  func piecesJoinToTheWholeEncoding() throws {
    var lock = Lockfile()
    for index in 0..<2_000 { lock.entries["gen/\(index).png"] = Self.done }
    var pieces: [[UInt8]] = []
    try LockfileCodec.encode(lock) { (piece) throws(FileSystemError) in pieces.append(piece) }
    #expect(pieces.count > 1)
    #expect(pieces.dropLast().allSatisfy { $0.count >= 256 << 10 && $0.count < 260 << 10 })
    #expect(try Array(pieces.joined()) == Self.encodeWhole(lock))
  }

  @Test func encodingIsSortedPrettyUnescapedAndOmitsNil() throws {
    let lock = Lockfile(entries: ["bob/office.png": Self.running, "alice/beach.jpg": Self.done])
    let text = String(decoding: try LockfileCodec.encode(lock), as: UTF8.self)
    #expect(text.hasSuffix("}\n"))
    #expect(text.contains("\n  \"entries\""), "pretty-printed with two-space indent")
    #expect(text.contains("https://img.example.com/t.png"), "slashes are not escaped")
    let alice = try #require(text.range(of: "alice/beach.jpg"))
    let bob = try #require(text.range(of: "bob/office.png"))
    #expect(alice.lowerBound < bob.lowerBound)
    let entries = try #require(text.range(of: "\"entries\""))
    let version = try #require(text.range(of: "\"version\""))
    #expect(entries.lowerBound < version.lowerBound)
    let bobSection = String(text[bob.lowerBound...])
    #expect(!bobSection.contains("sha256"), "nil optionals are omitted")
    #expect(!text.contains("null"))
  }

  @Test func roundTrips() throws {
    let lock = Lockfile(entries: ["a.jpg": Self.done, "b/c.png": Self.running, "d": Self.failed])
    let bytes = try LockfileCodec.encode(lock)
    #expect(try LockfileCodec.decode(bytes, path: "swaps.lock.json") == lock)
    let empty = try LockfileCodec.encode(Lockfile())
    #expect(try LockfileCodec.decode(empty, path: "x") == Lockfile())
  }

  @Test func malformedJSONNamesThePath() {
    #expect {
      try LockfileCodec.decode(Array("{\"version\": 1, \"entries\": {".utf8), path: "team/swaps.lock.json")
    } throws: { error in
      guard let error = error as? LockfileError, case .malformed = error else { return false }
      return error.description.hasPrefix("team/swaps.lock.json: ")
    }
    #expect(throws: LockfileError.malformed(path: "x.lock.json", detail: "the file is empty")) {
      try LockfileCodec.decode(Array(" \n".utf8), path: "x.lock.json")
    }
  }

  @Test func syntaxErrorsGiveLineAndColumn() {
    let json = "{\"version\":1,\n \"entries\": {\"a\": x}}"
    let detail =
      #"invalid JSON at line 2, column 19: unexpected word "x"; text values must be in double quotes"#
    #expect(throws: LockfileError.malformed(path: "s.lock.json", detail: detail)) {
      try LockfileCodec.decode(Array(json.utf8), path: "s.lock.json")
    }
  }

  @Test func numericOutputNamesStayQuoted() {
    let json = #"{"version":1,"entries":{"2024":{"targetImage":"t","state":"done"}}}"#
    #expect(throws: LockfileError.invalid(path: "p", field: #"entries["2024"].swapImage"#, detail: "missing"))
    {
      try LockfileCodec.decode(Array(json.utf8), path: "p")
    }
  }

  @Test func unknownVersionIsRejectedBeforeTheRest() {
    #expect(throws: LockfileError.unsupportedVersion(path: "s.lock.json", version: 2)) {
      try LockfileCodec.decode(
        Array(#"{"version": 2, "entries": "something new"}"#.utf8), path: "s.lock.json")
    }
    #expect(throws: LockfileError.invalid(path: "s.lock.json", field: "version", detail: "missing")) {
      try LockfileCodec.decode(Array(#"{"entries": {}}"#.utf8), path: "s.lock.json")
    }
  }

  @Test func unknownStateNamesTheField() {
    let json =
      #"{"version":1,"entries":{"alice/beach.jpg":{"targetImage":"t","swapImage":"s","state":"bogus"}}}"#
    #expect {
      try LockfileCodec.decode(Array(json.utf8), path: "s.lock.json")
    } throws: { error in
      guard let error = error as? LockfileError, case .invalid(let path, let field, let detail) = error else {
        return false
      }
      return path == "s.lock.json" && field == #"entries["alice/beach.jpg"].state"#
        && detail.contains("unknown state") && error.description.hasPrefix("s.lock.json: entries[")
    }
  }

  @Test func wrongTypeAndMissingFieldNameTheField() {
    let wrongType =
      #"{"version":1,"entries":{"a.jpg":{"targetImage":"t","swapImage":"s","state":"done","size":"big"}}}"#
    #expect(
      throws: LockfileError.invalid(
        path: "p", field: #"entries["a.jpg"].size"#, detail: "expected an integer")
    ) {
      try LockfileCodec.decode(Array(wrongType.utf8), path: "p")
    }
    let missing = #"{"version":1,"entries":{"a":{"swapImage":"s","state":"done"}}}"#
    #expect(throws: LockfileError.invalid(path: "p", field: #"entries["a"].targetImage"#, detail: "missing"))
    {
      try LockfileCodec.decode(Array(missing.utf8), path: "p")
    }
  }

  @Test func readReturnsNilForMissingFileAndRoundTripsWrite() throws {
    let box = try StoreTestSandbox()
    let path = box.url("swaps.lock.json")
    #expect(try LockfileCodec.read(path: path) == nil)
    let lock = Lockfile(entries: ["a.jpg": Self.done])
    let digest = try LockfileCodec.write(lock, to: path, unlessDigest: nil)
    #expect(try LockfileCodec.read(path: path) == lock)
    #expect(box.read("swaps.lock.json") == (try LockfileCodec.encode(lock)))
    #expect(digest == SHA256.hash(data: try LockfileCodec.encode(lock)))
  }

  @Test func readOfCorruptFileNamesThePath() throws {
    let box = try StoreTestSandbox()
    try box.write(Array("not json".utf8), to: "swaps.lock.json")
    #expect {
      try LockfileCodec.read(path: box.url("swaps.lock.json"))
    } throws: { error in
      (error as? LockfileError)?.path == box.url("swaps.lock.json")
    }
  }

  /// The lockfile's canonical bytes from one `JSONEncoder` call on the whole value, as
  /// `LockfileCodec.encode` wrote them before it encoded entry by entry: the oracle it must match.
  static func encodeWhole(_ lock: Lockfile) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return [UInt8](try encoder.encode(lock)) + [0x0A]
  }
}
