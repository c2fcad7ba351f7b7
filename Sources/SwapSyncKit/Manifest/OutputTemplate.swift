/// A matrix block's `output` template: literal text with `{target}` and `{face}` placeholders.
struct OutputTemplate: Sendable, Equatable {
  enum Part: Sendable, Equatable {
    case literal(String)
    case target
    case face
  }

  var parts: [Part]

  var usesTarget: Bool { parts.contains(.target) }
  var usesFace: Bool { parts.contains(.face) }

  /// Parses `text`, or returns a message: unknown placeholders and unbalanced braces are errors.
  static func parse(_ text: String) -> Result<OutputTemplate, TemplateProblem> {
    var parts: [Part] = []
    var literal = ""
    var index = text.startIndex
    var position = 1  // 1-based character position, for messages
    while index < text.endIndex {
      let character = text[index]
      if character == "}" {
        return .failure(TemplateProblem(message: "unbalanced \"}\" at character \(position); \(hint)"))
      }
      guard character == "{" else {
        literal.append(character)
        index = text.index(after: index)
        position += 1
        continue
      }
      let nameStart = text.index(after: index)
      guard let close = text[nameStart...].firstIndex(where: { $0 == "}" || $0 == "{" }),
        text[close] == "}"
      else {
        return .failure(TemplateProblem(message: "unbalanced \"{\" at character \(position); \(hint)"))
      }
      let name = text[nameStart..<close]
      let part: Part
      switch name {
      case "target": part = .target
      case "face": part = .face
      default:
        return .failure(
          TemplateProblem(message: "unknown placeholder \"{\(name)}\"; only {target} and {face} are allowed"))
      }
      if !literal.isEmpty {
        parts.append(.literal(literal))
        literal = ""
      }
      parts.append(part)
      position += name.count + 2
      index = text.index(after: close)
    }
    if !literal.isEmpty { parts.append(.literal(literal)) }
    return .success(OutputTemplate(parts: parts))
  }

  /// The output path for one target key and one face key.
  func render(target: String, face: String) -> String {
    var result = ""
    for part in parts {
      switch part {
      case .literal(let text): result += text
      case .target: result += target
      case .face: result += face
      }
    }
    return result
  }

  private static let hint = "braces may only be used in {target} and {face}"
}

/// Why an output template could not be parsed.
struct TemplateProblem: Error, Sendable, Equatable {
  var message: String
}
