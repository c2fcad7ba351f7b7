import Crypto
import Foundation
import Mustache

/// Renders a `GalleryModel` into one self-contained HTML page: inline style and script, no
/// network access of its own, and a Content-Security-Policy that runs only the page's own script.
public enum GalleryPage {
  /// The page for `model`.
  public static func render(_ model: GalleryModel) throws(GalleryError) -> String {
    let library = try templates.get()
    guard let html = library.render(Context(model: model, csp: contentSecurityPolicy), withTemplate: "page")
    else {
      throw GalleryError.template("no template named \"page\"")
    }
    return html
  }

  /// Only the inline script with exactly this text may run (so a string that slipped past escaping
  /// still could not run script); images may come from anywhere the manifest points, from the
  /// page's own folder over `file://` or a web server, and nothing else loads.
  static let contentSecurityPolicy: String = {
    let digest = Data(SHA256.hash(data: Data(GalleryAssets.script.utf8))).base64EncodedString()
    return "default-src 'none'; img-src * data: file:; style-src 'unsafe-inline'; "
      + "script-src 'sha256-\(digest)'; base-uri 'none'; form-action 'none'"
  }()

  /// What the page template sees at its root.
  private struct Context {
    var model: GalleryModel
    var csp: String
  }

  /// The parsed templates, parsed once.
  private static let templates: Result<MustacheLibrary, GalleryError> = {
    GalleryHTMLContentType.register()
    var library = MustacheLibrary()
    let sources = [
      "page": GalleryTemplate.page, "card": GalleryTemplate.card, "cell": GalleryTemplate.cell,
      "result": GalleryTemplate.result, "input": GalleryTemplate.input, "heading": GalleryTemplate.heading,
    ]
    for (name, text) in sources {
      do {
        try library.register(text, named: name)
      } catch {
        return .failure(.template("template \"\(name)\": \(error)"))
      }
    }
    return .success(library)
  }()
}

/// Why the gallery page could not be made.
public enum GalleryError: Error, CustomStringConvertible, Sendable {
  /// A built-in template did not parse: a bug in swapsync, not in the manifest.
  case template(String)

  public var description: String {
    switch self {
    case .template(let detail):
      return "the gallery template is broken (\(detail)); please report this as a swapsync bug"
    }
  }
}
