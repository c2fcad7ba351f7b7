import Foundation
import Testing

@testable import SwapSyncKit

/// The lockfile and journal go through the manifest's located JSON parser: duplicate keys and
/// unknown keys are reported with their line and column (docs/lockfile.md).
@Suite(.timeLimit(.minutes(3))) struct LockfileStrictReadingTests {
  static let entry = #""targetImage": "https://i.example/t.jpg", "swapImage": "https://i.example/f.jpg""#

  /// A lockfile after a merge that kept both sides of a conflict on one output.
  static let merged = """
    {
      "entries" : {
        "alice/beach.jpg" : {
          \(entry), "state" : "running", "jobId" : "J1"
        },
        "bob/office.png" : {
          \(entry), "state" : "running", "jobId" : "J2"
        },
        "alice/beach.jpg" : {
          \(entry), "state" : "running", "jobId" : "J3"
        }
      },
      "version" : 1
    }

    """

  @Test func duplicateOutputFromABadMergeIsReportedWhereItIs() {
    #expect {
      try LockfileCodec.decode(Array(Self.merged.utf8), path: "swaps.lock.json")
    } throws: { error in
      guard let error = error as? LockfileError, case .located(_, 9, 5, _) = error else { return false }
      return error.description.hasPrefix(
        #"swaps.lock.json: line 9, column 5: duplicate key "alice/beach.jpg" (first at line 3, column 5)"#)
    }
  }

  @Test func duplicateFieldInsideAnEntryIsReportedToo() {
    let json = #"{"version": 1, "entries": {"a.jpg": {\#(Self.entry), "state": "done", "state": "failed"}}}"#
    #expect {
      try LockfileCodec.decode(Array(json.utf8), path: "p")
    } throws: { error in
      guard let error = error as? LockfileError, case .located(_, 1, let column, let detail) = error else {
        return false
      }
      return column == 137 && detail.hasPrefix(#"duplicate key "state" (first at line 1, column 120)"#)
    }
  }

  @Test func unknownEntryKeyIsRejectedWithItsPlaceAndANearMiss() {
    let json = """
      {"version": 1, "entries": {
        "a.jpg": {\(Self.entry), "state": "lost", "colour": "red", "message": "m"},
        "b.jpg": {\(Self.entry), "stat": "done"}
      }}
      """
    #expect(
      throws: LockfileError.located(
        path: "p", line: 2, column: 112,
        detail: #"unknown key "colour" in entries["a.jpg"] (allowed keys: "#
          + LockfileReader.entryKeys.joined(separator: ", ") + ")")
    ) {
      try LockfileCodec.decode(Array(json.utf8), path: "p")
    }
    let typo = json.replacingOccurrences(of: #", "colour": "red""#, with: "")
    #expect(
      throws: LockfileError.located(
        path: "p", line: 3, column: 95,
        detail: #"unknown key "stat" in entries["b.jpg"] (did you mean "state"?)"#)
    ) {
      try LockfileCodec.decode(Array(typo.utf8), path: "p")
    }
  }

  @Test func unknownTopLevelKeyIsRejectedAfterTheVersion() {
    let json = "{\"version\": 1,\n \"entries\": {}, \"comment\": \"hi\"}"
    #expect {
      try LockfileCodec.decode(Array(json.utf8), path: "p")
    } throws: { error in
      (error as? LockfileError)?.description
        == #"p: line 2, column 17: unknown key "comment" at the top level (allowed keys: version, entries)"#
    }
    let newer = #"{"version": 2, "entries": {}, "comment": "hi"}"#
    #expect(throws: LockfileError.unsupportedVersion(path: "p", version: 2)) {
      try LockfileCodec.decode(Array(newer.utf8), path: "p")
    }
  }

  @Test func everyFieldRoundTripsIncludingAdoptedAndUnusableRuns() throws {
    let full = LockEntry(
      targetImage: "https://i.example/t.jpg", swapImage: "https://i.example/f.jpg", state: .done, jobId: "J1",
      sha256: String(repeating: "0f", count: 32), size: 99, imageType: "png", quota: 3, message: "m",
      submittedAt: "2026-11-30T06:12:41Z", finishedAt: "2026-11-30T06:13:00Z", unusableRuns: 2)
    let adopted = LockEntry(
      targetImage: "https://i.example/t.jpg", swapImage: "http://198.51.100.7:8080/f.gif?x#y", state: .done,
      sha256: String(repeating: "a1", count: 32), size: 0, imageType: "gif", adopted: true)
    let lock = Lockfile(entries: ["x/y.png": full, "z.gif": LockfileCodecTests.failed, "a/b/.c": adopted])
    #expect(try LockfileCodec.decode(LockfileCodec.encode(lock), path: "p") == lock)
  }

  @Test("null is refused, as the schema refuses it: an absent value is a missing key")
  func nullIsRefused() throws {
    let fields: [(String, String)] = [
      (#""state": "running", "jobId": "J1", "quota": null"#, "quota: expected an integer, found null"),
      (#""state": "running", "jobId": null"#, "jobId: expected a string, found null"),
      (#""state": "failed", "message": "m", "adopted": null"#, "adopted: expected true, found null"),
    ]
    for (members, detail) in fields {
      let json = #"{"version": 1, "entries": {"a.jpg": {\#(Self.entry), \#(members)}}}"#
      #expect {
        try LockfileCodec.decode(Array(json.utf8), path: "p")
      } throws: { error in
        "\(error)" == #"p: entries["a.jpg"]."# + detail + "; leave the key out when there is no value"
      }
    }
    let nullState = #"{"version": 1, "entries": {"a.jpg": {\#(Self.entry), "state": null}}}"#
    #expect(
      throws: LockfileError.invalid(
        path: "p", field: #"entries["a.jpg"].state"#, detail: "expected a string, found null")
    ) {
      try LockfileCodec.decode(Array(nullState.utf8), path: "p")
    }
  }

  @Test func wrongTypesNameTheField() {
    let cases: [(String, String, String)] = [
      (#""adopted": "yes""#, "adopted", "expected true or false"),
      (#""unusableRuns": 1.5"#, "unusableRuns", "expected an integer"),
      (#""jobId": 7"#, "jobId", "expected a string"),
    ]
    for (member, field, detail) in cases {
      let json = #"{"version": 1, "entries": {"a.jpg": {\#(Self.entry), "state": "done", \#(member)}}}"#
      #expect(throws: LockfileError.invalid(path: "p", field: #"entries["a.jpg"]."# + field, detail: detail))
      {
        try LockfileCodec.decode(Array(json.utf8), path: "p")
      }
    }
    let notObject = #"{"version": 1, "entries": {"a.jpg": []}}"#
    #expect(
      throws: LockfileError.invalid(
        path: "p", field: #"entries["a.jpg"]"#, detail: "expected an object, found an array")
    ) {
      try LockfileCodec.decode(Array(notObject.utf8), path: "p")
    }
  }

  @Test("a done entry without its checksum, size, type or (unless adopted) job is refused, naming the field")
  func doneEntryNeedsItsFacts() throws {
    let sha = String(repeating: "a", count: 64)
    let cases: [(String, String)] = [
      (
        #""state": "done", "jobId": "J1", "size": 5, "imageType": "png""#,
        #"entries["a.jpg"].sha256: missing"#
      ),
      (
        #""state": "done", "jobId": "J1", "sha256": "\#(sha)", "imageType": "png""#,
        #"entries["a.jpg"].size: missing"#
      ),
      (
        #""state": "done", "jobId": "J1", "sha256": "\#(sha)", "size": 5"#,
        #"entries["a.jpg"].imageType: missing"#
      ),
      (
        #""state": "done", "sha256": "\#(sha)", "size": 5, "imageType": "png""#,
        #"entries["a.jpg"].jobId: missing"#
      ),
    ]
    for (fields, field) in cases {
      let json = #"{"version": 1, "entries": {"a.jpg": {\#(Self.entry), \#(fields)}}}"#
      #expect {
        try LockfileCodec.decode(Array(json.utf8), path: "p")
      } throws: { error in
        "\(error)".contains(field)
      }
    }
    let adopted =
      #"{"version": 1, "entries": {"a.jpg": {\#(Self.entry), "state": "done", "adopted": true, "sha256": "\#(sha)", "size": 5, "imageType": "png"}}}"#
    #expect(try LockfileCodec.decode(Array(adopted.utf8), path: "p").entries["a.jpg"]?.adopted == true)
  }

  @Test func integralNumbersAreIntegers() throws {
    let json =
      #"{"version": 1.0, "entries": {"a.jpg": {\#(Self.entry), "state": "failed", "message": "m", "size": 2e3}}}"#
    #expect(try LockfileCodec.decode(Array(json.utf8), path: "p").entries["a.jpg"]?.size == 2000)
  }

  @Test func journalLinesAreReadTheSameWay() throws {
    let good = #"{"a.jpg":{\#(Self.entry),"state":"running","jobId":"J1"}}"#
    let duplicate = #"{"a.jpg":null,"a.jpg":null}"#
    #expect(
      throws: LockfileError.corruptJournal(
        path: "j", line: 2, detail: #"column 15: duplicate key "a.jpg" (first at line 1, column 2)"#)
    ) {
      try Journal.parse(Array("\(good)\n\(duplicate)\n".utf8), path: "j")
    }
    let unknown = #"{"b.jpg":{\#(Self.entry),"state":"running","jobid":"J1"}}"#
    #expect(
      throws: LockfileError.corruptJournal(
        path: "j", line: 1, detail: #"column 110: unknown key "jobid" in ["b.jpg"] (did you mean "jobId"?)"#)
    ) {
      try Journal.parse(Array("\(unknown)\n\(good)\n".utf8), path: "j")
    }
    let removal = #"{"a.jpg":null}"#
    let batches = try Journal.parse(Array("\(good)\n\(removal)\n".utf8), path: "j").batches
    #expect(batches.count == 2)
    #expect(batches[1].keys.contains("a.jpg") && batches[1]["a.jpg"] == .some(nil))
  }
}
