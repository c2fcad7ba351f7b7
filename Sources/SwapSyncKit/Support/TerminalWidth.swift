extension TerminalText {
  /// How many terminal columns `text` takes: 2 for each East Asian wide or fullwidth character
  /// (CJK ideographs, kana, Hangul, fullwidth forms; Unicode's `EastAsianWidth.txt`, W and F)
  /// and for each emoji shown as a picture, 0 for zero-width characters, 1 for every other
  /// character (a grapheme cluster: combining marks add nothing, halfwidth voiced marks one). `wcwidth(3)` answers this only under a UTF-8 locale, and
  /// Swift's Unicode properties do not include the East Asian width. ASCII text is its length.
  public static func columns(_ text: String) -> Int {
    if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.count }
    var columns = 0
    for character in text {
      let scalars = character.unicodeScalars
      guard let first = scalars.first else { continue }
      if isZeroWidth(first) { continue }
      let wide =
        isWide(first) || first.properties.isEmojiPresentation
        || (first.properties.isEmoji && scalars.contains("\u{FE0F}"))
      columns += wide ? 2 : 1
      // Halfwidth katakana's voiced marks join the cluster before them but take a cell each.
      columns += scalars.dropFirst().filter { $0 == "\u{FF9E}" || $0 == "\u{FF9F}" }.count
    }
    return columns
  }

  /// Characters a terminal shows in no cell: zero-width space, joiners, word joiner, BOM.
  static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x200B...0x200D, 0x2060...0x2064, 0xFEFF: true
    default: false
    }
  }

  /// Whether `scalar` is East Asian wide (W) or fullwidth (F), by the blocks that hold them.
  static func isWide(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x1100...0x115F,  // Hangul Jamo leading consonants
      0x2E80...0x303E,  // CJK radicals, Kangxi radicals, ideographic description, CJK symbols
      0x3041...0x33FF,  // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, CJK compatibility
      0x3400...0x4DBF,  // CJK extension A
      0x4E00...0x9FFF,  // CJK unified ideographs
      0xA000...0xA4CF,  // Yi
      0xA960...0xA97F,  // Hangul Jamo extended A
      0xAC00...0xD7A3,  // Hangul syllables
      0xF900...0xFAFF,  // CJK compatibility ideographs
      0xFE10...0xFE19,  // vertical forms
      0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
      0xFF00...0xFF60,  // fullwidth forms
      0xFFE0...0xFFE6,  // fullwidth signs
      0x1B000...0x1B16F,  // kana supplement and extensions
      0x20000...0x2FFFD,  // CJK extensions B to F, compatibility supplement
      0x30000...0x3FFFD:  // CJK extensions G and H
      true
    default:
      false
    }
  }
}
