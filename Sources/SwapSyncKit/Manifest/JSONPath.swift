/// A place inside a JSON document for messages: `swaps[3].swapImage`, `matrix[0].faces["a b"]`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
  /// One step: an object key or a 0-based array index.
  public enum Component: Sendable, Equatable {
    case key(String)
    case index(Int)
  }

  public var components: [Component]

  /// The document itself, shown as `top level`.
  public static let root = JSONPath(components: [])

  public init(components: [Component]) {
    self.components = components
  }

  public func appending(_ key: String) -> JSONPath {
    JSONPath(components: components + [.key(key)])
  }

  public func appending(_ index: Int) -> JSONPath {
    JSONPath(components: components + [.index(index)])
  }

  /// Keys made of ASCII letters, digits, `_` and `-` are written after a dot; any other key is
  /// written as a quoted JSON string in brackets, so the location is never ambiguous.
  public var description: String {
    if components.isEmpty { return "top level" }
    var text = ""
    for component in components {
      switch component {
      case .index(let index):
        text += "[\(index)]"
      case .key(let key) where Self.isPlainKey(key):
        text += text.isEmpty ? key : "." + key
      case .key(let key):
        text += "[\(Self.quoted(key))]"
      }
    }
    return text
  }

  static func isPlainKey(_ key: String) -> Bool {
    !key.isEmpty
      && key.unicodeScalars.allSatisfy { scalar in
        scalar.isASCII
          && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_"
            || scalar == "-")
      }
  }

  /// `text` as a JSON string literal, with quotes, backslashes and control characters escaped.
  public static func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case "\r": result += "\\r"
      default:
        if scalar.properties.generalCategory == .control {
          let digits = String(scalar.value, radix: 16, uppercase: true)
          result += "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result + "\""
  }
}
