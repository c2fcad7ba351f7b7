/// Text for a human's terminal or log, with everything that could act on the terminal made
/// visible (docs/safety.md).
///
/// A server's messages, job ids and URLs reach the terminal and cron logs inside swapsync's own
/// lines. A hostile or broken server could recolour the output or retitle the terminal (ESC, OSC
/// and BEL sequences), overwrite or forge lines (CR, LF), or reorder what a line shows (Unicode
/// bidirectional controls). Every human-readable line swapsync prints passes through here and
/// shows such a character as its escape, `\u{1B}`. What is stored is left alone: the lockfile,
/// `--json` and the event stream keep the service's text, JSON-escaped.
public enum TerminalText {
  /// `text` as one line: every C0 control (line breaks and tabs included), DEL, every C1
  /// control, and the bidirectional and line-separating format characters (U+061C, U+200E,
  /// U+200F, U+2028–U+202E, U+2066–U+2069) written as `\u{HEX}`. Text without them, the usual
  /// case, is returned as it is. Escaping escaped text changes nothing.
  public static func escaped(_ text: String) -> String {
    // Printable ASCII has nothing to escape and needs no look at each scalar.
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      if needsEscape(scalar) {
        result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
      } else {
        result.append(scalar)
      }
    }
    return String(result)
  }

  /// `text` made of lines separated by LF: each line escaped as by `escaped(_:)`, the LFs kept.
  /// A safety net for text already composed of several lines; a message that may hold a line
  /// break of its own must be escaped with `escaped(_:)` before it is joined to others, or the
  /// break would still start a line.
  public static func escapedLines(_ text: String) -> String {
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x0A }) { return text }
    return text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
      .map { escaped(String(decoding: $0, as: UTF8.self)) }
      .joined(separator: "\n")
  }

  /// Whether `scalar` is shown as its escape.
  static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: true
    case 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
    default: false
    }
  }
}
