/// A parsed JSON document that keeps object members in document order and numbers as written.
public enum JSONValue: Sendable, Equatable {
  /// Members in document order; keys are unique (the parser rejects duplicates).
  case object([JSONMember])
  case array([JSONValue])
  case string(String)
  /// The number exactly as written in the document (e.g. `1`, `1.5`, `-2e3`).
  case number(String)
  case bool(Bool)
  case null

  /// How the value is named in messages: "a string", "an object", ...
  public var kindDescription: String {
    switch self {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number: "a number"
    case .bool(let value): value ? "true" : "false"
    case .null: "null"
    }
  }

  /// The value of `key` when this is an object that has it.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  /// The number as an `Int`, when it is written as an integer (no fraction or exponent) and fits.
  public var intValue: Int? {
    guard case .number(let text) = self else { return nil }
    return Int(text)
  }

  /// The number as a `Double`, if this is a number.
  public var doubleValue: Double? {
    guard case .number(let text) = self else { return nil }
    return Double(text)
  }

  public var stringValue: String? {
    guard case .string(let value) = self else { return nil }
    return value
  }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
  public var key: String
  public var value: JSONValue

  public init(key: String, value: JSONValue) {
    self.key = key
    self.value = value
  }
}
