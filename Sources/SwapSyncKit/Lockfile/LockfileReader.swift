/// Something wrong in a lockfile or journal document that is valid JSON (docs/lockfile.md).
enum LockReadProblem: Error, Equatable {
  /// A field with a missing or wrong value; `field` is like `entries["a/b.jpg"].state`.
  case field(String, detail: String)
  /// A key that does not belong. `keyPath` leads from the document's root to it, to find its line
  /// and column; `field` names the object holding it, for when it cannot be found.
  case unknownKey(keyPath: [String], field: String, detail: String)
  /// A value of the right type in a form swapsync never writes (`LockEntryRules`), or an entry key
  /// that is not an output path. `keyPath` leads to the key holding it, for its line and column;
  /// `field` names it, like `entries["a/b.jpg"].jobId`.
  case value(keyPath: [String], field: String, detail: String)
}

/// Builds lockfile values from what the located JSON parser read (the parser already rejected
/// syntax errors and duplicate keys, with their line and column).
///
/// Strict on purpose: every key must be known, every field of its type and in the form swapsync
/// writes (`LockEntryRules`), so that a hand edit or a bad merge is reported instead of silently
/// dropped or acted on (docs/schema/lockfile.schema.json). An absent value is a missing key:
/// `null` is refused, as the schema refuses it (swapsync never writes one).
enum LockfileReader {
  static let topLevelKeys = ["version", "entries"]
  static let entryKeys = [
    "targetImage", "swapImage", "state", "jobId", "sha256", "size", "imageType", "quota", "message",
    "submittedAt", "finishedAt", "adopted", "unusableRuns",
  ]

  /// The `version` of a lockfile document, nil when it has none. Read before anything else: a
  /// newer version may have other keys.
  static func version(of root: JSONValue) throws(LockReadProblem) -> Int? {
    guard case .object(let members) = root else {
      throw .field("(top level)", detail: "expected an object, found \(root.kindDescription)")
    }
    guard let value = members.first(where: { $0.key == "version" })?.value else { return nil }
    guard let version = integer(value) else { throw .field("version", detail: "expected an integer") }
    return version
  }

  /// The lockfile in `root`, whose version the caller has checked.
  static func lockfile(_ root: JSONValue) throws(LockReadProblem) -> Lockfile {
    guard case .object(let members) = root else {
      throw .field("(top level)", detail: "expected an object, found \(root.kindDescription)")
    }
    var entriesValue: JSONValue?
    for member in members {
      switch member.key {
      case "version": continue
      case "entries": entriesValue = member.value
      default:
        throw unknownKey(
          member.key, allowed: topLevelKeys, in: "at the top level", field: "(top level)", at: [])
      }
    }
    guard let entriesValue else { throw .field("entries", detail: "missing") }
    guard case .object(let outputs) = entriesValue else {
      throw .field("entries", detail: "expected an object")
    }
    var entries: [String: LockEntry] = [:]
    entries.reserveCapacity(outputs.count)
    var knownURLs: Set<String> = []
    // A job is bought for one pair of inputs: the first output recorded with each job.
    var jobOutputs: [String: String] = [:]
    for output in outputs {
      let place = EntryPlace(output: output.key, inJournal: false)
      try LockEntryRules.checkOutput(place)
      let entry = try entry(output.value, at: place, knownURLs: &knownURLs)
      if let jobId = entry.jobId {
        if let first = jobOutputs[jobId], let other = entries[first], other.pair != entry.pair {
          throw .value(
            keyPath: place.keyPath + ["jobId"], field: "\(place.field).jobId",
            detail: "job \(jobId) is also the job of entries[\(JSONPath.quoted(first))], which records "
              + "other inputs: a job is bought for one pair of inputs, so one of these records was edited or merged "
              + "wrongly (restore the lockfile from version control)")
        }
        if jobOutputs[jobId] == nil { jobOutputs[jobId] = output.key }
      }
      entries[output.key] = entry
    }
    return Lockfile(version: Lockfile.currentVersion, entries: entries)
  }

  /// One journal line: `{"<output>": <entry> | null, ...}` (null removes the entry).
  static func batch(_ root: JSONValue) throws(LockReadProblem) -> [String: LockEntry?] {
    guard case .object(let outputs) = root else {
      throw .field("(top level)", detail: "expected an object, found \(root.kindDescription)")
    }
    var batch: [String: LockEntry?] = [:]
    batch.reserveCapacity(outputs.count)
    var knownURLs: Set<String> = []
    for output in outputs {
      let place = EntryPlace(output: output.key, inJournal: true)
      try LockEntryRules.checkOutput(place)
      if case .null = output.value {
        batch.updateValue(nil, forKey: output.key)
      } else {
        batch[output.key] = try entry(output.value, at: place, knownURLs: &knownURLs)
      }
    }
    return batch
  }

  /// Where an entry sits; turned into text only when something is wrong (100,000 entries are
  /// read without building 100,000 field names).
  struct EntryPlace {
    var output: String
    var inJournal: Bool

    /// `entries["a/b.jpg"]` in a lockfile, `["a/b.jpg"]` in a journal line.
    var field: String { (inJournal ? "" : "entries") + "[\(JSONPath.quoted(output))]" }
    /// The keys leading to the entry from the document's root.
    var keyPath: [String] { inJournal ? [output] : ["entries", output] }
  }

  /// One entry object. `knownURLs`: URLs already found good in this document.
  static func entry(_ value: JSONValue, at place: EntryPlace, knownURLs: inout Set<String>)
    throws(LockReadProblem) -> LockEntry
  {
    guard case .object(let members) = value else {
      throw .field(place.field, detail: "expected an object, found \(value.kindDescription)")
    }
    var targetImage: String?
    var swapImage: String?
    var state: EntryState?
    var entry = LockEntry(targetImage: "", swapImage: "", state: .submitting)
    for member in members {
      let value = member.value
      let name = member.key
      switch name {
      case "targetImage": targetImage = try requiredString(value, place, name)
      case "swapImage": swapImage = try requiredString(value, place, name)
      case "state":
        let text = try requiredString(value, place, name)
        guard let known = EntryState(rawValue: text) else {
          let states = EntryState.allCases.map(\.rawValue).joined(separator: ", ")
          throw .field(
            "\(place.field).state",
            detail: "unknown state (expected one of \(states)): \(JSONPath.quoted(text))")
        }
        state = known
      case "jobId": entry.jobId = try optionalString(value, place, name)
      case "sha256": entry.sha256 = try optionalString(value, place, name)
      case "size": entry.size = try optionalInteger(value, place, name)
      case "imageType": entry.imageType = try optionalString(value, place, name)
      case "quota": entry.quota = try optionalInteger(value, place, name)
      case "message": entry.message = try optionalString(value, place, name)
      case "submittedAt": entry.submittedAt = try optionalString(value, place, name)
      case "finishedAt": entry.finishedAt = try optionalString(value, place, name)
      case "adopted":
        switch value {
        case .null: throw .field("\(place.field).adopted", detail: nullDetail("true"))
        case .bool(let flag): entry.adopted = flag
        default: throw .field("\(place.field).adopted", detail: "expected true or false")
        }
      case "unusableRuns": entry.unusableRuns = try optionalInteger(value, place, name)
      default:
        let field = place.field
        throw unknownKey(name, allowed: entryKeys, in: "in \(field)", field: field, at: place.keyPath)
      }
    }
    guard let targetImage else { throw .field("\(place.field).targetImage", detail: "missing") }
    guard let swapImage else { throw .field("\(place.field).swapImage", detail: "missing") }
    guard let state else { throw .field("\(place.field).state", detail: "missing") }
    entry.targetImage = targetImage
    entry.swapImage = swapImage
    entry.state = state
    try LockEntryRules.check(entry, at: place, knownURLs: &knownURLs)
    return entry
  }

  // MARK: - Fields

  private static func requiredString(_ value: JSONValue, _ place: EntryPlace, _ name: String)
    throws(LockReadProblem)
    -> String
  {
    switch value {
    case .string(let text): return text
    case .null: throw .field("\(place.field).\(name)", detail: "expected a string, found null")
    default: throw .field("\(place.field).\(name)", detail: "expected a string")
    }
  }

  /// An optional field's string: when the key is there, its value is a string.
  private static func optionalString(_ value: JSONValue, _ place: EntryPlace, _ name: String)
    throws(LockReadProblem)
    -> String
  {
    switch value {
    case .string(let text): return text
    case .null: throw .field("\(place.field).\(name)", detail: nullDetail("a string"))
    default: throw .field("\(place.field).\(name)", detail: "expected a string")
    }
  }

  /// An optional field's integer: when the key is there, its value is an integer.
  private static func optionalInteger(_ value: JSONValue, _ place: EntryPlace, _ name: String)
    throws(LockReadProblem)
    -> Int
  {
    if case .null = value { throw .field("\(place.field).\(name)", detail: nullDetail("an integer")) }
    guard let number = integer(value) else {
      throw .field("\(place.field).\(name)", detail: "expected an integer")
    }
    return number
  }

  /// Why `null` is refused where `expected` may stand.
  private static func nullDetail(_ expected: String) -> String {
    "expected \(expected), found null; leave the key out when there is no value"
  }

  /// A number written as an integer (`3`), or with a zero fraction or an exponent (`3.0`, `3e0`).
  private static func integer(_ value: JSONValue) -> Int? {
    guard case .number(let text) = value else { return nil }
    if let whole = Int(text) { return whole }
    guard let number = Double(text), number.rounded(.towardZero) == number, abs(number) < 0x1p63 else {
      return nil
    }
    return Int(number)
  }

  private static func unknownKey(
    _ key: String, allowed: [String], in container: String, field: String, at keyPath: [String]
  ) -> LockReadProblem {
    let hint =
      KeySuggestion.nearest(to: key, in: allowed).map { "did you mean \"\($0)\"?" }
      ?? "allowed keys: \(allowed.joined(separator: ", "))"
    return .unknownKey(
      keyPath: keyPath + [key], field: field,
      detail: "unknown key \(JSONPath.quoted(key)) \(container) (\(hint))")
  }
}
