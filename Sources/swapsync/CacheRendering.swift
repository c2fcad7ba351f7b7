import SwapSyncKit

/// How `status` and `push` show the cache (docs/cache.md).
enum CacheRendering {
  /// `status --json` entries; with a cache configured, each one says whether its bytes are known
  /// to be in the cache (`"inCache"`), for entries that have verified bytes.
  static func entries(_ entries: [EntryReport], notInCache: [String]?) -> [StatusEntry] {
    let pending = Set(notInCache ?? [])
    return entries.map { entry in
      let hasBytes = entry.status == .done
      return StatusEntry(
        report: entry, inCache: notInCache != nil && hasBytes ? !pending.contains(entry.output) : nil)
    }
  }

  /// The lines under the `status` table naming outputs not yet pushed.
  static func pendingPushes(_ outputs: [String], cache: CacheLocation) -> String {
    let shown = outputs.prefix(10).joined(separator: ", ")
    let more = outputs.count > 10 ? ", and \(outputs.count - 10) more" : ""
    return TerminalText.escaped(
      "not known to be in the cache \(cache) (this machine has not pushed or found them there): "
        + "\(Wording.count(outputs.count, "output")) (\(shown)\(more)); `swapsync push` checks and uploads what "
        + "is missing (so does the next `swapsync sync` with the same cache)")
  }

  /// One line of `swapsync push` progress.
  static func progress(_ step: PushProgress) -> String {
    let what: String
    switch step.outcome {
    case .pushed: what = "pushed"
    case .alreadyThere: what = "already in the cache"
    case .replaced: what = "replaced a damaged copy"
    case .failed(let reason): what = "FAILED: \(reason)"
    case .noLocalCopy: what = "FAILED: \(PushOutcome.noLocalCopyReason)"
    case .stopped: what = "not tried: stopped"
    }
    return TerminalText.escaped(
      "[\(step.done)/\(step.total)] \(step.outputs.joined(separator: ", ")): \(what)")
  }
}

/// An entry of `status --json`: the entry's fields, plus `inCache` when a cache is configured.
struct StatusEntry: Encodable {
  var report: EntryReport
  var inCache: Bool?

  private enum CodingKeys: String, CodingKey { case inCache }

  func encode(to encoder: any Encoder) throws {
    try report.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodeIfPresent(inCache, forKey: .inCache)
  }
}
