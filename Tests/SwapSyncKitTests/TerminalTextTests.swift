import Testing

@testable import SwapSyncKit

@Suite("TerminalText", .timeLimit(.minutes(3)))
struct TerminalTextTests {
  @Test(
    "every control, DEL, C1 and bidi or line-separating format character is shown as its escape",
    arguments: [
      ("\u{1B}[31mred", #"\u{1B}[31mred"#), ("title\u{1B}]0;HACKED\u{07}", #"title\u{1B}]0;HACKED\u{7}"#),
      ("a\r\nb", #"a\u{D}\u{A}b"#), ("tab\there", #"tab\u{9}here"#), ("nul\u{0}", #"nul\u{0}"#),
      ("del\u{7F}", #"del\u{7F}"#), ("csi\u{9B}2J", #"csi\u{9B}2J"#), ("nel\u{85}", #"nel\u{85}"#),
      ("rlo\u{202E}evil", #"rlo\u{202E}evil"#), ("lre\u{202A}x\u{202C}", #"lre\u{202A}x\u{202C}"#),
      ("iso\u{2066}x\u{2069}", #"iso\u{2066}x\u{2069}"#),
      ("rli\u{2067}fsi\u{2068}", #"rli\u{2067}fsi\u{2068}"#),
      ("lrm\u{200E}rlm\u{200F}", #"lrm\u{200E}rlm\u{200F}"#), ("alm\u{061C}", #"alm\u{61C}"#),
      ("ls\u{2028}ps\u{2029}", #"ls\u{2028}ps\u{2029}"#),
    ])
  func escapes(_ raw: String, _ shown: String) {
    #expect(TerminalText.escaped(raw) == shown)
    #expect(TerminalText.escaped(shown) == shown, "escaping twice changes nothing")
  }

  @Test(
    "printable text is left as it is, whatever its script",
    arguments: [
      "", "plain ASCII: ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./", "café, naïve, Ωμέγα, 日本語, עברית, العربية",
      "emoji 👩🏽‍💻 and flags 🇫🇷", "combining e\u{301} and zero width joiner \u{200D}", #"already \u{1B} escaped"#,
    ])
  func keepsPrintable(_ text: String) {
    #expect(TerminalText.escaped(text) == text)
  }

  @Test("escapedLines keeps the line feeds between lines and escapes the rest of each line")
  func lines() {
    #expect(
      TerminalText.escapedLines("one\ntwo\u{1B}[2K\r\n\nthree\u{202E}")
        == "one\ntwo\\u{1B}[2K\\u{D}\n\nthree\\u{202E}")
    #expect(TerminalText.escapedLines("a\nb\n") == "a\nb\n")
    #expect(TerminalText.escapedLines("é\nü") == "é\nü")
  }

  @Test("no escaped text holds a byte a terminal acts on")
  func everyScalarBelow0x3000() {
    var text = ""
    for value in 0..<0x3000 {
      if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
    }
    let shown = TerminalText.escaped(text)
    #expect(!shown.unicodeScalars.contains { TerminalText.needsEscape($0) })
    #expect(!shown.utf8.contains { $0 < 0x20 || $0 == 0x7F })
  }

  @Test("columns: CJK, kana, Hangul and fullwidth letters take two columns, combining marks none")
  func columns() {
    #expect(TerminalText.columns("out/a.png") == 9)
    #expect(TerminalText.columns("写真/猫.png") == 11)  // 3 wide characters, 5 narrow
    #expect(TerminalText.columns("ねこ.jpg") == 8)
    #expect(TerminalText.columns("고양이.png") == 10)
    #expect(TerminalText.columns("ＡＢ.png") == 8)
    #expect(TerminalText.columns("cafe\u{301}.png") == 8)  // e + combining acute: one column
    #expect(TerminalText.columns("über.png") == 8)
    #expect(TerminalText.columns("🐱.png") == 6)
    #expect(TerminalText.columns("\u{2764}\u{FE0F}.png") == 6)  // a heart shown as emoji
    #expect(TerminalText.columns("\u{FF83}\u{FF9E}\u{FF70}\u{FF80}.png") == 8)  // halfwidth ﾃﾞｰﾀ: 4 cells
    #expect(TerminalText.columns("a\u{200B}b\u{2060}c\u{FEFF}d.png") == 8)  // zero-width characters
  }
}
