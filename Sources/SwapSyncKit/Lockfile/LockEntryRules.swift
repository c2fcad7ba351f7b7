/// The rules of docs/schema/lockfile.schema.json beyond JSON types, checked on every entry the
/// lockfile or the journal holds (docs/lockfile.md, "Reading a lockfile"): the formats of the
/// values and which fields each state needs. A value swapsync never writes is refused, not read
/// into a plan: an `ftp://` input would make the entry stale and buy a new job, a `../` output
/// would point outside the output folder, a job id with `/` would reach another API path.
///
/// The rules are those swapsync already applies where the values come from: `OutputPath` (the
/// manifest's outputs), `JobID` (the server's job ids) and `URLPolicy` (the manifest's URLs, with
/// plain http allowed to any host: `--allow-http` is a flag of a run, not a fact of the file).
enum LockEntryRules {
  /// Throws when `place.output` cannot be an output path.
  static func checkOutput(_ place: LockfileReader.EntryPlace) throws(LockReadProblem) {
    guard let problem = OutputPath.problem(with: place.output) else { return }
    throw .value(keyPath: place.keyPath, field: place.field, detail: problem)
  }

  /// Throws the first rule `entry` breaks. `knownURLs` holds URLs already found good in this
  /// document: a matrix repeats each input in many entries, and one check of each is enough.
  static func check(_ entry: LockEntry, at place: LockfileReader.EntryPlace, knownURLs: inout Set<String>)
    throws(LockReadProblem)
  {
    func bad(_ name: String, _ detail: String) -> LockReadProblem {
      .value(keyPath: place.keyPath + [name], field: "\(place.field).\(name)", detail: detail)
    }
    func checkURL(_ name: String, _ url: String) throws(LockReadProblem) {
      guard !knownURLs.contains(url) else { return }
      if let problem = URLPolicy.problem(with: url, allowHTTP: true) {
        throw bad(name, "\(problem): \(shown(url))")
      }
      knownURLs.insert(url)
    }
    func checkTime(_ name: String, _ time: String?) throws(LockReadProblem) {
      guard let time, !isTimestamp(time) else { return }
      throw bad(name, "expected a UTC time like 2026-11-30T06:12:41Z, found \(shown(time))")
    }
    try checkURL("targetImage", entry.targetImage)
    try checkURL("swapImage", entry.swapImage)
    if let jobId = entry.jobId, !JobID.isSafe(jobId) {
      throw bad(
        "jobId", "not a TTAPI job id (1 to 128 of A-Z a-z 0-9 - _ . and never \"..\"): \(shown(jobId))")
    }
    if let sha256 = entry.sha256, !isSHA256(sha256) {
      throw bad("sha256", "expected 64 lowercase hex digits (a SHA-256), found \(shown(sha256))")
    }
    if let size = entry.size, size < 0 { throw bad("size", "must not be negative, found \(size)") }
    if let type = entry.imageType, ImageType(rawValue: type) == nil {
      let types = ImageType.allCases.map(\.rawValue).joined(separator: ", ")
      throw bad("imageType", "unknown image type (expected one of \(types)): \(shown(type))")
    }
    if let quota = entry.quota, quota < 0 { throw bad("quota", "must not be negative, found \(quota)") }
    if let runs = entry.unusableRuns, runs < 1 {
      throw bad("unusableRuns", "must be at least 1, found \(runs) (the key is left out when there are none)")
    }
    try checkTime("submittedAt", entry.submittedAt)
    try checkTime("finishedAt", entry.finishedAt)
    switch entry.adopted {
    case false?:
      throw bad("adopted", "expected true; an entry that was not adopted has no \"adopted\" key")
    case true? where entry.state != .done:
      throw bad(
        "state",
        "an adopted entry is done (its file was recorded as found), found \"\(entry.state.rawValue)\"")
    case true? where entry.jobId != nil:
      throw bad("jobId", "an adopted entry has no job: remove \"jobId\" or \"adopted\"")
    default:
      break
    }
    try checkRequired(entry, at: place)
  }

  /// The fields `entry`'s state needs: a done entry stands for a verified file (its checksum,
  /// size and type, and the job it came from unless it was adopted), a running entry for a job,
  /// and a failed, uncertain or lost entry says why. Without them a restore could not check the
  /// bytes it gets, and a done entry with no job would look like one to buy again.
  private static func checkRequired(_ entry: LockEntry, at place: LockfileReader.EntryPlace)
    throws(LockReadProblem)
  {
    func missing(_ name: String, _ why: String) -> LockReadProblem {
      .field("\(place.field).\(name)", detail: "missing; \(why)")
    }
    switch entry.state {
    case .done:
      if entry.sha256 == nil { throw missing("sha256", "a done entry records its file's sha256") }
      if entry.size == nil { throw missing("size", "a done entry records its file's size") }
      if entry.imageType == nil { throw missing("imageType", "a done entry records its file's imageType") }
      if entry.jobId == nil && entry.adopted != true {
        throw missing("jobId", "a done entry that is not adopted records its job")
      }
    case .running:
      if entry.jobId == nil { throw missing("jobId", "a running entry records its job") }
    case .failed, .uncertain, .lost:
      if entry.message == nil {
        throw missing("message", "an entry that is \(entry.state.rawValue) says why")
      }
    case .submitting:
      break
    }
  }

  /// 64 lowercase hex digits.
  static func isSHA256(_ text: String) -> Bool {
    text.utf8.count == 64
      && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
  }

  /// A time as swapsync writes it: `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole seconds, a date that exists.
  static func isTimestamp(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { bytes in
      guard bytes.count == 20 else { return false }
      func number(_ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
          let digit = bytes[index] &- 0x30
          guard digit < 10 else { return nil }
          value = value * 10 + Int(digit)
        }
        return value
      }
      let dash = UInt8(ascii: "-"), colon = UInt8(ascii: ":")
      guard bytes[4] == dash, bytes[7] == dash, bytes[10] == UInt8(ascii: "T"), bytes[13] == colon,
        bytes[16] == colon, bytes[19] == UInt8(ascii: "Z"),
        let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
        let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
        hour < 24, minute < 60, second < 60, day >= 1
      else { return false }
      switch month {
      case 1, 3, 5, 7, 8, 10, 12: return day <= 31
      case 4, 6, 9, 11: return day <= 30
      case 2: return day <= (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
      default: return false
      }
    }
  }

  /// `text` quoted for a message, shortened when long.
  static func shown(_ text: String) -> String {
    let limit = 80
    guard text.count > limit else { return JSONPath.quoted(text) }
    return JSONPath.quoted(String(text.prefix(limit))) + "…"
  }
}
