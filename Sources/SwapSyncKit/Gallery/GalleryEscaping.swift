import Mustache

/// HTML escaping for the gallery page, one Unicode scalar at a time.
///
/// swift-mustache's built-in `HTML` content type compares whole `Character`s (grapheme clusters)
/// with `"`, `'`, `<`, `>` and `&`, so a quote followed by a combining mark (`"` U+0301) is one
/// Character that matches nothing and reaches the page raw: it closes a quoted attribute and the
/// rest of the string becomes attributes (`onload=...`). Manifest outputs and URLs may contain such
/// pairs, and server messages may contain anything, so the page escapes every scalar instead.
struct GalleryHTMLContentType: MustacheContentType {
  /// The name templates select with `{{% CONTENT_TYPE: SWAPSYNC_HTML}}`.
  static let name = "SWAPSYNC_HTML"

  func escapeText(_ text: String) -> String { Self.escape(text) }

  /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, scalar by scalar.
  static func escape(_ text: String) -> String {
    var escaped = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
      case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
      case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
      case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
      case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
      default: escaped.append(scalar)
      }
    }
    return String(escaped)
  }

  /// Makes the content type known to the template parser (idempotent, thread-safe).
  static func register() {
    MustacheContentTypes.register(GalleryHTMLContentType(), named: name)
  }
}

/// URL pieces for the page's own links to result files.
enum GalleryURL {
  /// One path segment percent-encoded byte by byte: only `A-Z a-z 0-9 - . _ ~` stay as they are, so
  /// `?`, `#`, `:`, `%`, quotes and spaces in an output name can neither end the path nor start a
  /// scheme, and the link opens from `file://` and from any web server.
  static func encodeSegment(_ segment: String) -> String {
    var encoded = ""
    for byte in segment.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"):
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = String(byte, radix: 16, uppercase: true)
        encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return encoded
  }

  /// The relative URL of `file` (an absolute path) as seen from a page in the folder `pageFolder`
  /// (absolute): `..` up to the common folder, then the remaining segments, each percent-encoded.
  static func relative(file: String, fromFolder pageFolder: String) -> String {
    let from = pageFolder.pathSegments(omittingEmpty: true)
    let to = file.pathSegments(omittingEmpty: true)
    var common = 0
    while common < from.count, common < to.count - 1, from[common] == to[common] { common += 1 }
    let ups = Array(repeating: "..", count: from.count - common)
    return (ups + to[common...].map(encodeSegment)).joined(separator: "/")
  }

  /// `url` when a browser may load it as an image on the page (`http`/`https`), else nil: the page
  /// then shows the URL as text only.
  static func imageSource(_ url: String) -> String? {
    let lower = url.lowercased()
    return lower.hasPrefix("https://") || lower.hasPrefix("http://") ? url : nil
  }
}
