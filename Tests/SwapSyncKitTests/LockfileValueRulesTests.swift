import Foundation
import Testing

@testable import SwapSyncKit

/// A lockfile or journal value of the right JSON type but in a form swapsync never writes is
/// refused like the schema refuses it (docs/schema/lockfile.schema.json, docs/lockfile.md):
/// naming the file, the entry, the field, and the line and column of the field's key.
@Suite(.timeLimit(.minutes(3))) struct LockfileValueRulesTests {
  static let sha = String(repeating: "0123456789abcdef", count: 4)

  /// A done entry with every field, as swapsync writes it (one line, keys in this order).
  static let fields: [(String, String)] = [
    ("targetImage", #""https://img.example.com/t.png""#), ("swapImage", #""https://img.example.com/f.png""#),
    ("state", #""done""#), ("jobId", #""SWAP-FACE-1""#), ("sha256", "\"\(sha)\""), ("size", "3"),
    ("imageType", #""png""#), ("quota", "2"), ("submittedAt", #""2026-11-30T06:12:39Z""#),
    ("finishedAt", #""2026-11-30T06:12:41Z""#),
  ]

  /// The entry of `fields` with `changes` applied (a nil value removes the key; a new key is added).
  static func entry(_ changes: [String: String?]) -> String {
    var members = fields.compactMap { name, value -> String? in
      guard let change = changes[name] else { return "\"\(name)\": \(value)" }
      return change.map { "\"\(name)\": \($0)" }
    }
    for (name, value) in changes.sorted(by: { $0.key < $1.key })
    where !fields.contains(where: { $0.0 == name }) {
      if let value { members.append("\"\(name)\": \(value)") }
    }
    return "{" + members.joined(separator: ", ") + "}"
  }

  static func lockfile(_ changes: [String: String?], output: String = "a.jpg") -> String {
    #"{"version": 1, "entries": {"\#(output)": \#(entry(changes))}}"#
  }

  /// The 1-based column of the first `"name"` key in `text` (one line, ASCII).
  static func column(ofKey name: String, in text: String) throws -> Int {
    let range = try #require(text.range(of: "\"\(name)\":"))
    return text.distance(from: text.startIndex, to: range.lowerBound) + 1
  }

  /// (field, JSON value, start of the detail)
  static let refused: [(String, String, String)] = [
    ("jobId", #""""#, "not a TTAPI job id"), ("jobId", #""../../v1/x""#, "not a TTAPI job id"),
    ("jobId", #""a..b""#, "not a TTAPI job id"), ("jobId", #""J 1""#, "not a TTAPI job id"),
    ("jobId", "\"\(String(repeating: "j", count: 129))\"", "not a TTAPI job id"),
    ("jobId", #""J\u00e9""#, "not a TTAPI job id"),
    ("sha256", "\"\(sha.uppercased())\"", "expected 64 lowercase hex digits"),
    ("sha256", "\"\(sha.dropLast())\"", "expected 64 lowercase hex digits"),
    ("sha256", "\"\(sha)0\"", "expected 64 lowercase hex digits"),
    ("sha256", "\"\(String(repeating: "g", count: 64))\"", "expected 64 lowercase hex digits"),
    ("size", "-1", "must not be negative, found -1"), ("quota", "-2", "must not be negative, found -2"),
    ("unusableRuns", "0", "must be at least 1, found 0"), ("unusableRuns", "-3", "must be at least 1"),
    ("imageType", #""bmp""#, "unknown image type (expected one of jpeg, png, webp, gif): \"bmp\""),
    ("imageType", #""PNG""#, "unknown image type"),
    ("targetImage", #""ftp://x/y.png""#, #"not an https URL (scheme "ftp" is not allowed): "ftp://x/y.png""#),
    ("targetImage", #""file:///etc/passwd""#, "not an https URL"),
    ("targetImage", #""/t.png""#, "not an absolute URL"), ("targetImage", #""""#, "URL is empty"),
    ("targetImage", #""https://u:p@img.example.com/t.png""#, "URL must not contain credentials"),
    ("swapImage", #""https://img.example.com/a b.png""#, "URL contains whitespace"),
    ("swapImage", #""https://img.example.com\\f.png""#, "URL contains a backslash"),
    ("swapImage", #""https://:8080/f.png""#, "URL has no host"),
    ("submittedAt", #""yesterday""#, "expected a UTC time like 2026-11-30T06:12:41Z, found \"yesterday\""),
    ("submittedAt", #""2026-11-30 06:12:39Z""#, "expected a UTC time"),
    ("submittedAt", #""2026-11-30T06:12:39.250Z""#, "expected a UTC time"),
    ("submittedAt", #""2026-11-30T06:12:39+00:00""#, "expected a UTC time"),
    ("submittedAt", #""2026-11-30T06:12:39z""#, "expected a UTC time"),
    ("submittedAt", #""2026-13-01T00:00:00Z""#, "expected a UTC time"),
    ("submittedAt", #""2026-02-29T00:00:00Z""#, "expected a UTC time"),
    ("submittedAt", #""2026-11-31T00:00:00Z""#, "expected a UTC time"),
    ("submittedAt", #""2026-11-00T00:00:00Z""#, "expected a UTC time"),
    ("finishedAt", #""2026-11-30T24:00:00Z""#, "expected a UTC time"),
    ("finishedAt", #""2026-11-30T06:60:00Z""#, "expected a UTC time"),
    ("finishedAt", #""2026-11-30T06:12:60Z""#, "expected a UTC time"),
    ("finishedAt", #""+2026-11-30T06:12:4Z""#, "expected a UTC time"),
    ("adopted", "false", "expected true; an entry that was not adopted has no \"adopted\" key"),
  ]

  @Test("a value in a form swapsync never writes is refused at its key's line and column", arguments: refused)
  func refusedValue(field: String, value: String, detail: String) throws {
    let text = Self.lockfile([field: value])
    let column = try Self.column(ofKey: field, in: text)
    #expect {
      try LockfileCodec.decode(Array(text.utf8), path: "swaps.lock.json")
    } throws: { error in
      guard case .located(let path, 1, column, let message)? = error as? LockfileError else { return false }
      return path == "swaps.lock.json" && message.hasPrefix(#"entries["a.jpg"].\#(field): \#(detail)"#)
    }
  }

  @Test(
    "the same value in a journal line: that line is corrupt, at the column of the key", arguments: refused)
  func refusedValueInTheJournal(field: String, value: String, detail: String) throws {
    let good = #"{"b.jpg":\#(Self.entry([:]))}"#
    let bad = #"{"a.jpg":\#(Self.entry([field: value]))}"#
    let column = try Self.column(ofKey: field, in: bad)
    #expect {
      try Journal.parse(Array("\(good)\n\(bad)\n\(good)\n".utf8), path: "j")
    } throws: { error in
      guard case .corruptJournal("j", 2, let message)? = error as? LockfileError else { return false }
      return message.hasPrefix(#"column \#(column): ["a.jpg"].\#(field): \#(detail)"#)
    }
    // A cut-off last line is a write a crash interrupted: nothing acted on it, it is ignored.
    let torn = try Journal.parse(Array("\(good)\n\(bad)".utf8), path: "j")
    #expect(torn.batches.count == 1 && torn.validLength == good.utf8.count + 1)
  }

  @Test(
    "values at the edges of the rules are read",
    arguments: [
      ["jobId": "\"\(String(repeating: "j", count: 128))\""], ["jobId": #""a.b-c_D9""#], ["size": "0"],
      ["quota": "0"], ["quota": nil, "submittedAt": nil, "finishedAt": nil], ["unusableRuns": "1"],
      ["submittedAt": #""2024-02-29T23:59:59Z""#], ["finishedAt": #""2000-02-29T00:00:00Z""#],
      ["imageType": #""webp""#], ["imageType": #""gif""#], ["imageType": #""jpeg""#],
      // Plain http to any host: --allow-http is a flag of the run, not a fact of the lockfile.
      ["targetImage": #""http://img.example.com/t.png""#, "swapImage": #""HTTPS://[::1]:8443/f.png?s=1#x""#],
      ["state": #""submitting""#, "jobId": nil, "sha256": nil, "size": nil, "imageType": nil],
      ["state": #""running""#, "sha256": nil, "size": nil, "imageType": nil],
      ["state": #""failed""#, "message": #""m""#, "jobId": nil],
      ["state": #""done""#, "jobId": nil, "adopted": "true"],
    ] as [[String: String?]])
  func edgesAreRead(changes: [String: String?]) throws {
    let lock = try LockfileCodec.decode(Array(Self.lockfile(changes).utf8), path: "p")
    #expect(lock.entries.count == 1)
  }

  @Test(
    "an entry key that is not an output path is refused at its line and column",
    arguments: [
      ("../evil.png", "output path contains a \"..\" segment"),
      ("/etc/evil.png", "output path must be relative to the output folder"),
      ("", "output path is empty"),
      (".swapsync/journal.jsonl", "output path is inside \".swapsync/\""),
      (".SwapSync/x.png", "output path is inside \".swapsync/\""),
      ("a\\\\b.png", "output path contains a backslash"),
      ("a/\\u0007.png", "output path contains a control character (U+0007)"),
      ("notes.txt", "output path has extension \".txt\""),
      ("a//b.png", "output path contains an empty segment"),
      ("\(String(repeating: "x", count: 201)).png", "output path has a segment of 205 bytes"),
    ])
  func refusedOutput(key: String, detail: String) throws {
    let text = Self.lockfile([:], output: key)
    let column = try Self.column(ofKey: key, in: text)
    let output = try #require(
      JSONSerialization.jsonObject(with: Data("\"\(key)\"".utf8), options: .fragmentsAllowed) as? String)
    #expect {
      try LockfileCodec.decode(Array(text.utf8), path: "p")
    } throws: { error in
      guard case .located("p", 1, column, let message)? = error as? LockfileError else { return false }
      return message.hasPrefix("entries[\(JSONPath.quoted(output))]: \(detail)")
    }
    // In the journal too, even as a removal (null): no such entry can exist.
    for value in [Self.entry([:]), "null"] {
      let line = #"{"\#(key)":\#(value)}"#
      #expect {
        try Journal.parse(Array("\(line)\n".utf8), path: "j")
      } throws: { error in
        guard case .corruptJournal("j", 1, let message)? = error as? LockfileError else { return false }
        return message.hasPrefix("column 2: [\(JSONPath.quoted(output))]: \(detail)")
      }
    }
  }

  @Test(
    "each state's required fields, and an adopted entry is done and has no job",
    arguments: [
      (["state": #""running""#, "jobId": nil], "jobId: missing; a running entry records its job"),
      (["state": #""failed""#], "message: missing; an entry that is failed says why"),
      (["state": #""uncertain""#], "message: missing; an entry that is uncertain says why"),
      (["state": #""lost""#], "message: missing; an entry that is lost says why"),
      (["imageType": nil], "imageType: missing; a done entry records its file's imageType"),
      (["jobId": nil], "jobId: missing; a done entry that is not adopted records its job"),
    ] as [([String: String?], String)])
  func requiredByState(changes: [String: String?], detail: String) {
    #expect {
      try LockfileCodec.decode(Array(Self.lockfile(changes).utf8), path: "p")
    } throws: { error in
      "\(error)" == #"p: entries["a.jpg"].\#(detail)"#
    }
  }

  @Test("an adopted entry is done and has no job")
  func adoptedCombinations() throws {
    let withJob = Self.lockfile(["adopted": "true"])
    let column = try Self.column(ofKey: "jobId", in: withJob)
    #expect {
      try LockfileCodec.decode(Array(withJob.utf8), path: "p")
    } throws: { error in
      "\(error)" == #"p: line 1, column \#(column): entries["a.jpg"].jobId: "#
        + #"an adopted entry has no job: remove "jobId" or "adopted""#
    }
    let failed = Self.lockfile(["adopted": "true", "jobId": nil, "state": #""failed""#, "message": #""m""#])
    #expect {
      try LockfileCodec.decode(Array(failed.utf8), path: "p")
    } throws: { error in
      "\(error)".hasSuffix(
        #"entries["a.jpg"].state: an adopted entry is done (its file was recorded as found), found "failed""#)
    }
  }

  @Test("in a lockfile as swapsync writes it, the line and column are those of the field's key")
  func placeInAPrettyPrintedLockfile() throws {
    let lock = Lockfile(entries: [
      "alice/beach.jpg": LockfileCodecTests.done, "bob/office.png": LockfileCodecTests.running,
    ])
    let text = String(decoding: try LockfileCodec.encode(lock), as: UTF8.self)
    let tampered = text.replacingOccurrences(
      of: #""jobId" : "SWAP-FACE-2""#, with: #""jobId" : "SWAP/FACE/2""#)
    let lines = tampered.split(separator: "\n", omittingEmptySubsequences: false)
    let line = try #require(lines.firstIndex { $0.contains("SWAP/FACE/2") }) + 1
    #expect(
      throws: LockfileError.located(
        path: "swaps.lock.json", line: line, column: 7,
        detail:
          #"entries["bob/office.png"].jobId: not a TTAPI job id (1 to 128 of A-Z a-z 0-9 - _ . and never ".."): "SWAP/FACE/2""#
      )
    ) {
      try LockfileCodec.decode(Array(tampered.utf8), path: "swaps.lock.json")
    }
  }

  @Test("a long value is shown shortened")
  func longValueIsShortened() {
    let text = Self.lockfile(["sha256": "\"\(String(repeating: "F", count: 500))\""])
    #expect {
      try LockfileCodec.decode(Array(text.utf8), path: "p")
    } throws: { error in
      "\(error)".hasSuffix("found \"\(String(repeating: "F", count: 80))\"…")
    }
  }
}

extension LockfileValueRulesTests {
  @Test(
    "one job recorded for two pairs of inputs is refused at the later record's jobId; for one pair it is read"
  )
  func oneJobTwoPairs() throws {
    let other = Self.entry(["targetImage": #""https://img.example.com/other.png""#])
    let text = #"{"version": 1, "entries": {"a.jpg": \#(Self.entry([:])), "b.jpg": \#(other)}}"#
    // The later record's "jobId" key: the second one in the line.
    let secondJobId = try #require(text.ranges(of: "\"jobId\":").dropFirst().first)
    let jobColumn = text.distance(from: text.startIndex, to: secondJobId.lowerBound) + 1
    #expect {
      try LockfileCodec.decode(Array(text.utf8), path: "p")
    } throws: { error in
      guard case .located("p", 1, let column, let detail)? = error as? LockfileError else { return false }
      return column == jobColumn
        && detail.hasPrefix(#"entries["b.jpg"].jobId: job SWAP-FACE-1 is also the job of entries["a.jpg"]"#)
    }
    let twins = #"{"version": 1, "entries": {"a.jpg": \#(Self.entry([:])), "b.jpg": \#(Self.entry([:]))}}"#
    #expect(try LockfileCodec.decode(Array(twins.utf8), path: "p").entries.count == 2)
  }
}
