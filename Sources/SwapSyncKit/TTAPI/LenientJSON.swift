/// A coding key made from any string, for decoding objects whose field names drift.
struct AnyCodingKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ string: String) { stringValue = string }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == AnyCodingKey {
  /// The first of `names` present as a string or number; `null`, absent or other types give nil.
  func lenientString(_ names: String...) -> String? {
    for name in names {
      let key = AnyCodingKey(name)
      if let text = try? decodeIfPresent(String.self, forKey: key) { return text }
      if let number = try? decodeIfPresent(Int64.self, forKey: key) { return String(number) }
    }
    return nil
  }

  /// An integer sent as a number or as a numeric string (`2` or `"2"`).
  func lenientInt(_ name: String) -> Int? {
    let key = AnyCodingKey(name)
    if let number = try? decodeIfPresent(Int.self, forKey: key) { return number }
    if let text = try? decodeIfPresent(String.self, forKey: key) {
      return Int(text.trimmingCharacters(in: .whitespaces))
    }
    if let number = try? decodeIfPresent(Double.self, forKey: key), number.rounded() == number,
      abs(number) < 1e15
    {
      return Int(number)
    }
    return nil
  }

  /// A nested object, or nil when the field is absent, `null` or not an object.
  func lenientObject(_ name: String) -> KeyedDecodingContainer<AnyCodingKey>? {
    try? nestedContainer(keyedBy: AnyCodingKey.self, forKey: AnyCodingKey(name))
  }
}

import Foundation
