import Testing

@testable import SwapSyncKit

@Suite("Manifest output paths", .timeLimit(.minutes(3)))
struct ManifestOutputPathTests {
  @Test(
    "acceptable output paths",
    arguments: [
      "a.jpg", "alice/beach.jpg", "A/B.JPEG", "x.png", "x.webp", "x.GIF", "x.Jpg", "noextension",
      "deep/a/b/c/d.jpeg", "alice/.hidden", "café/é.jpg", ".swapsync-old/a.jpg", "a/.swapsync/b.jpg",
      "v1.2/beach", "with space/and-dash_underscore.png", String(repeating: "a", count: 196) + ".jpg",
      String(repeating: "é", count: 100),
    ])
  func accepted(path: String) {
    #expect(OutputPath.problem(with: path) == nil)
  }

  @Test(
    "rejected output paths and why",
    arguments: [
      ("", "output path is empty"),
      ("/a.jpg", "output path must be relative to the output folder, not absolute"),
      ("../a.jpg", "output path contains a \"..\" segment; outputs must stay inside the output folder"),
      ("a/../b.jpg", "output path contains a \"..\" segment; outputs must stay inside the output folder"),
      ("a/..", "output path contains a \"..\" segment; outputs must stay inside the output folder"),
      ("./a.jpg", "output path contains a \".\" segment"),
      ("a/./b.jpg", "output path contains a \".\" segment"),
      ("a//b.jpg", "output path contains an empty segment (\"//\", or a \"/\" at the end)"),
      ("a.jpg/", "output path contains an empty segment (\"//\", or a \"/\" at the end)"),
      ("a\\b.jpg", "output path contains a backslash; separate folders with \"/\""),
      ("C:\\out\\a.jpg", "output path contains a backslash; separate folders with \"/\""),
      ("a\u{0}.jpg", "output path contains a control character (U+0000)"),
      ("a\n.jpg", "output path contains a control character (U+000A)"),
      ("a\u{7F}.jpg", "output path contains a control character (U+007F)"),
      ("a\u{85}.jpg", "output path contains a control character (U+0085)"),
      (".swapsync", "output path is inside \".swapsync/\", which swapsync reserves for its own state"),
      (".swapsync/x.jpg", "output path is inside \".swapsync/\", which swapsync reserves for its own state"),
      (".SWAPSYNC/x.jpg", "output path is inside \".swapsync/\", which swapsync reserves for its own state"),
      (".git/hooks/post-checkout", "output path is inside a \".git/\" folder, which belongs to git"),
      ("sub/.Git/x.png", "output path is inside a \".git/\" folder, which belongs to git"),
      ("a.txt", "output path has extension \".txt\"; use one of .jpg .jpeg .png .webp .gif or no extension"),
      (
        "a.jpg.txt",
        "output path has extension \".txt\"; use one of .jpg .jpeg .png .webp .gif or no extension"
      ),
      (
        "a.tar.gz", "output path has extension \".gz\"; use one of .jpg .jpeg .png .webp .gif or no extension"
      ),
      ("a.", "output path has extension \".\"; use one of .jpg .jpeg .png .webp .gif or no extension"),
      (
        ".hidden.txt",
        "output path has extension \".txt\"; use one of .jpg .jpeg .png .webp .gif or no extension"
      ),
    ])
  func rejected(path: String, expected: String) {
    #expect(OutputPath.problem(with: path) == expected)
  }

  @Test("segments are limited to 200 bytes of UTF-8, not characters")
  func segmentLength() {
    #expect(OutputPath.problem(with: "a/" + String(repeating: "b", count: 200)) == nil)
    let tooLong = OutputPath.problem(with: "a/" + String(repeating: "b", count: 201))
    #expect(tooLong?.hasPrefix("output path has a segment of 201 bytes") == true)
    #expect(tooLong?.hasSuffix("the limit is 200 bytes of UTF-8") == true)
    let accents = OutputPath.problem(with: String(repeating: "é", count: 101))
    #expect(accents?.hasPrefix("output path has a segment of 202 bytes") == true)
  }

  @Test("a segment may start with a combining mark: paths split at \"/\" bytes, not at characters")
  func combiningMarkAfterSlash() {
    // "/" and U+0301 are one Character: a split by characters kept the slash inside a segment.
    #expect("a/\u{301}x.png".pathSegments() == ["a", "\u{301}x.png"])
    #expect(OutputPath.problem(with: "a/\u{301}x.png") == nil)
    #expect(OutputPath.problem(with: "a/\u{301}/x.png") == nil)
    #expect(OutputPath.problem(with: "a/.\u{301}./x.png") == nil)  // not "..": a name of its own
    #expect(OutputPath.problem(with: "x.\u{301}sh")?.contains("has extension \".\\u{301}sh\"") == true)
    #expect(
      OutputPath.problem(with: "x.\u{200B}png")?.hasPrefix("output path has extension \".\\u{200B}png\"")
        == true)
    #expect(Posix.directoryName("/r/a/\u{301}x.png") == "/r/a")
    #expect(Posix.baseName("/r/a/\u{301}x.png") == "\u{301}x.png")
  }

  @Test("the folded key ignores letter case and Unicode normalization")
  func foldedKey() {
    #expect(OutputPath.foldedKey("Alice/Beach.JPG") == "alice/beach.jpg")
    #expect(Array(OutputPath.foldedKey("Cafe\u{301}.jpg").utf8) == Array("caf\u{E9}.jpg".utf8))
    #expect(OutputPath.foldedKey("a/b.jpg") != OutputPath.foldedKey("a/c.jpg"))
  }

  @Test("output templates: placeholders, literal text and errors")
  func templates() throws {
    let parsed = try OutputTemplate.parse("faces/{face}/{target}.jpg").get()
    #expect(parsed.parts == [.literal("faces/"), .face, .literal("/"), .target, .literal(".jpg")])
    #expect(parsed.usesFace && parsed.usesTarget)
    #expect(parsed.render(target: "beach", face: "alice") == "faces/alice/beach.jpg")
    #expect(try OutputTemplate.parse("fixed.png").get().parts == [.literal("fixed.png")])
    #expect(try !OutputTemplate.parse("{target}").get().usesFace)
    let problems: [(String, String)] = [
      ("{size}.jpg", "unknown placeholder \"{size}\"; only {target} and {face} are allowed"),
      ("{Face}.jpg", "unknown placeholder \"{Face}\"; only {target} and {face} are allowed"),
      ("{}.jpg", "unknown placeholder \"{}\"; only {target} and {face} are allowed"),
      ("a{face", "unbalanced \"{\" at character 2; braces may only be used in {target} and {face}"),
      ("{{face}}", "unbalanced \"{\" at character 1; braces may only be used in {target} and {face}"),
      ("face}", "unbalanced \"}\" at character 5; braces may only be used in {target} and {face}"),
      ("é{face}}", "unbalanced \"}\" at character 8; braces may only be used in {target} and {face}"),
    ]
    for (template, message) in problems {
      switch OutputTemplate.parse(template) {
      case .success: Issue.record("\(template) was accepted")
      case .failure(let problem): #expect(problem.message == message, "\(template)")
      }
    }
  }

  @Test("typo suggestions for unknown keys")
  func suggestions() {
    let keys = ManifestDecoder.swapKeys
    #expect(KeySuggestion.nearest(to: "swapimage", in: keys) == "swapImage")
    #expect(KeySuggestion.nearest(to: "targetImgae", in: keys) == "targetImage")
    #expect(KeySuggestion.nearest(to: "ouptut", in: keys) == "output")
    #expect(KeySuggestion.nearest(to: "hook", in: keys) == nil)
    #expect(KeySuggestion.nearest(to: "foo", in: keys) == nil)
    #expect(KeySuggestion.nearest(to: "x", in: ["y"]) == nil)
  }
}
