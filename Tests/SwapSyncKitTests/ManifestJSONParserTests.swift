import Testing

@testable import SwapSyncKit

@Suite("Manifest JSON parser", .timeLimit(.minutes(3)))
struct ManifestJSONParserTests {
  func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
    try JSONParser.parse(Array(text.utf8))
  }

  func failure(_ bytes: [UInt8]) -> JSONSyntaxError? {
    do {
      _ = try JSONParser.parse(bytes)
      return nil
    } catch {
      return error
    }
  }

  func failure(_ text: String) -> String? {
    failure(Array(text.utf8))?.description
  }

  @Test("all value kinds, members in document order, numbers kept as written")
  func values() throws {
    let value = try parse(#" {"b": [1, -0.5e+3, 0, true, false, null], "a": {"": "x"}, "c": "" } "#)
    #expect(
      value
        == .object([
          JSONMember(
            key: "b",
            value: .array([
              .number("1"), .number("-0.5e+3"), .number("0"), .bool(true), .bool(false), .null,
            ])),
          JSONMember(key: "a", value: .object([JSONMember(key: "", value: .string("x"))])),
          JSONMember(key: "c", value: .string("")),
        ]))
    #expect(value["a"]?[""]?.stringValue == "x")
    #expect(try parse("42").intValue == 42)
    #expect(try parse("1.5").intValue == nil)
    #expect(try parse("1.5").doubleValue == 1.5)
    #expect(try parse("[]") == .array([]))
    #expect(try parse("{}") == .object([]))
  }

  @Test("string escapes, surrogate pairs, raw UTF-8 and \\u0000")
  func strings() throws {
    let text = #""q\" b\\ s\/ \b\f\n\r\t \u00e9\u00E9 \ud83d\ude00 é😀 \u0000""#
    #expect(try parse(text) == .string("q\" b\\ s/ \u{8}\u{C}\n\r\t éé 😀 é😀 \u{0}"))
  }

  @Test(
    "syntax errors carry 1-based line and column",
    arguments: [
      (#"{"a": 1,}"#, "line 1, column 8: trailing comma before \"}\"; remove the comma"),
      ("[1,\n 2,\n]", "line 2, column 3: trailing comma before \"]\"; remove the comma"),
      ("{\r\n  \"a\": 1,\r\n}", "line 2, column 9: trailing comma before \"}\"; remove the comma"),
      (#"{"é😀": x}"#, "line 1, column 8: unexpected word \"x\"; text values must be in double quotes"),
      (
        "[1 2]",
        "line 1, column 4: expected \",\" or \"]\" after an array element, found \"2\" (missing comma?)"
      ),
      (#"{"a" 1}"#, "line 1, column 6: expected \":\" after the key \"a\", found \"1\""),
      ("{1: 2}", "line 1, column 2: expected a key in double quotes, found \"1\""),
      ("\"abc", "line 1, column 1: unterminated string; add the closing \""),
      (
        "\"a\tb\"",
        "line 1, column 3: control character U+0009 inside a string; write it as an escape like \\n"
      ),
      (#""\x""#, "line 1, column 2: invalid escape \"\\x\" in string; write a literal backslash as \\\\"),
      (#""\u12""#, "line 1, column 2: \\u must be followed by four hex digits"),
      (#""\udc00""#, "line 1, column 2: unpaired UTF-16 surrogate \\uDC00 in string"),
      (#""\ud800\u0041""#, "line 1, column 2: unpaired UTF-16 surrogate \\uD800 in string"),
      ("-", "line 1, column 2: expected a digit after \"-\""),
      ("01", "line 1, column 1: numbers must not have leading zeros"),
      ("1.", "line 1, column 3: expected a digit after the decimal point"),
      ("1e+", "line 1, column 4: expected a digit in the exponent"),
      (".5", "line 1, column 1: expected a value, found \".\""),
      ("+1", "line 1, column 1: expected a value, found \"+\""),
      ("NaN", "line 1, column 1: unexpected word \"NaN\"; text values must be in double quotes"),
      ("[1] x", "line 1, column 5: unexpected \"x\" after the end of the JSON value"),
      ("/* c */ {}", "line 1, column 1: expected a value, found \"/\" (comments are not allowed in JSON)"),
      ("\u{A0}{}", "line 1, column 1: expected a value, found character U+00A0"),
      (
        "{\"a\": [",
        "line 1, column 8: unexpected end of file: the array opened at line 1, column 7 is not closed"
      ),
      ("{\"a\": ", "line 1, column 7: unexpected end of file; expected a value"),
      (
        "{\"a\": [1",
        "line 1, column 9: unexpected end of file: the array opened at line 1, column 7 is not closed"
      ),
      (
        "{\"a\": 1",
        "line 1, column 8: unexpected end of file: the object opened at line 1, column 1 is not closed"
      ),
      (
        "{\"a\": 1, \"b\": 2, \"a\": 3}", "line 1, column 18: duplicate key \"a\" (first at line 1, column 2)"
      ),
      ("", "line 1, column 1: the file is empty; expected a JSON object"),
    ])
  func syntaxErrors(input: String, expected: String) {
    #expect(failure(input) == expected)
  }

  @Test("invalid UTF-8 is reported at the offending byte")
  func invalidUTF8() {
    let cases: [([UInt8], String)] = [
      ([0x22, 0xC0, 0x80, 0x22], "line 1, column 2: invalid UTF-8 (byte 0xC0); save the file as UTF-8 text"),
      (
        [0x22, 0xED, 0xA0, 0x80, 0x22],
        "line 1, column 2: invalid UTF-8 (byte 0xED); save the file as UTF-8 text"
      ),
      (
        [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],
        "line 1, column 2: invalid UTF-8 (byte 0xF5); save the file as UTF-8 text"
      ),
      ([0x0A, 0x22, 0xE2, 0x82], "line 2, column 2: invalid UTF-8 (byte 0xE2); save the file as UTF-8 text"),
      (
        [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],
        "line 1, column 1: the file starts with a byte order mark (BOM); save it as UTF-8 without BOM"
      ),
    ]
    for (bytes, expected) in cases {
      #expect(failure(bytes)?.description == expected)
    }
    #expect(JSONText.firstInvalidUTF8(in: Array("aé€😀".utf8)) == nil)
  }

  @Test("nesting is limited to 64 levels")
  func depthLimit() throws {
    let limit = JSONParser.maxDepth
    let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
    _ = try parse(deepest)
    let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
    #expect(
      failure(tooDeep) == "line 1, column 65: nesting is too deep (more than 64 levels of objects and arrays)"
    )
    let tooDeepObjects =
      String(repeating: "{\"a\":", count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
    #expect(
      failure(tooDeepObjects)?.hasSuffix("nesting is too deep (more than 64 levels of objects and arrays)")
        == true)
  }

  @Test("a JSONSyntaxError exposes its parts")
  func errorParts() throws {
    let error = try #require(failure(Array("{\n  \"a\": tru\n}".utf8)))
    #expect(error.line == 2)
    #expect(error.column == 8)
    #expect(error.location == "line 2, column 8")
    #expect(error.message == "unexpected word \"tru\"; text values must be in double quotes")
  }

  @Test("a git conflict left in the file is named as one, at its first marker line")
  func mergeConflictMarkers() throws {
    let conflicted = "{\n  \"a\": 1,\n<<<<<<< HEAD\n  \"b\": 2\n=======\n  \"b\": 3\n>>>>>>> branch\n}\n"
    let error = try #require(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(conflicted.utf8)) }
    #expect(error.isMergeConflict)
    #expect(error.line == 3 && error.column == 1)
    #expect(error.message.contains("\"<<<<<<<\""))
    // A lone separator (the other markers already resolved away) is found too, CRLF or not.
    let separator = "{\r\n  \"a\": 1\r\n=======\r\n}\r\n"
    let second = try #require(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(separator.utf8)) }
    #expect(second.isMergeConflict && second.line == 3)
    // Other broken JSON keeps its own message.
    let plain = try #require(throws: JSONSyntaxError.self) {
      try JSONParser.parse(Array("{\n<<<< x\n}".utf8))
    }
    #expect(!plain.isMergeConflict)
  }
}
