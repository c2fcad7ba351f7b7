import Foundation

/// A JSON value with ordered object keys, serialised by hand so answers are byte-stable.
public enum EmulatorJSON: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([EmulatorJSON])
  case object([(String, EmulatorJSON)])

  public static func == (lhs: EmulatorJSON, rhs: EmulatorJSON) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.double(let a), .double(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// Looks up a key in an object value.
  public subscript(key: String) -> EmulatorJSON? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// Numeric value of an int, a double or a numeric string.
  public var doubleValue: Double? {
    switch self {
    case .int(let i): return Double(i)
    case .double(let d): return d
    case .string(let s): return Double(s)
    default: return nil
    }
  }

  public var int64Value: Int64? {
    switch self {
    case .int(let i): return i
    case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
    case .string(let s): return Int64(s)
    default: return nil
    }
  }

  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// Compact serialisation.
  public var serialized: String {
    var out = ""
    write(to: &out)
    return out
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if d.isFinite {
        out += d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
      } else {
        out += "null"
      }
    case .string(let s): EmulatorJSON.writeString(s, to: &out)
    case .array(let items):
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let pairs):
      out += "{"
      for (index, pair) in pairs.enumerated() {
        if index > 0 { out += "," }
        EmulatorJSON.writeString(pair.0, to: &out)
        out += ":"
        pair.1.write(to: &out)
      }
      out += "}"
    }
  }

  private static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }

  /// Parses JSON text; nil when it is not valid JSON.
  public static func parse(_ bytes: [UInt8]) -> EmulatorJSON? {
    guard let decoded = try? JSONDecoder().decode(DecodedJSON.self, from: Data(bytes)) else {
      return nil
    }
    return decoded.value
  }
}

/// Decodable bridge from `JSONDecoder` into `EmulatorJSON` (object keys sorted, since order is lost).
struct DecodedJSON: Decodable {
  let value: EmulatorJSON

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
  }

  init(from decoder: any Decoder) throws {
    if var array = try? decoder.unkeyedContainer() {
      var items: [EmulatorJSON] = []
      while !array.isAtEnd {
        items.append(try array.decode(DecodedJSON.self).value)
      }
      value = .array(items)
      return
    }
    if let object = try? decoder.container(keyedBy: Key.self) {
      var pairs: [(String, EmulatorJSON)] = []
      for key in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
        pairs.append((key.stringValue, try object.decode(DecodedJSON.self, forKey: key).value))
      }
      value = .object(pairs)
      return
    }
    let single = try decoder.singleValueContainer()
    if single.decodeNil() {
      value = .null
    } else if let b = try? single.decode(Bool.self) {
      value = .bool(b)
    } else if let i = try? single.decode(Int64.self) {
      value = .int(i)
    } else if let d = try? single.decode(Double.self) {
      value = .double(d)
    } else {
      value = .string(try single.decode(String.self))
    }
  }
}
