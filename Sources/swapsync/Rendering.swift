import Foundation
import SwapSyncKit

/// Text and JSON renderings of command results. Text shows the service's messages and job ids
/// through `TerminalText`, which escapes whatever could act on a terminal.
enum Rendering {
  static func table(_ entries: [EntryReport]) -> String {
    guard !entries.isEmpty else { return "no entries" }
    // At least the header's width: outputs shorter than "OUTPUT" would shift the columns under it.
    let width = min(60, max(6, entries.map { TerminalText.escaped($0.output).count }.max() ?? 6))
    var lines = ["\("OUTPUT".padded(width))  \("STATE".padded(9))  \("JOB".padded(28))  DETAIL"]
    lines.reserveCapacity(entries.count + 1)
    for entry in entries {
      var line =
        TerminalText.escaped(entry.output).padded(width) + "  " + entry.status.rawValue.padded(9) + "  "
      line +=
        TerminalText.escaped(entry.jobId ?? "-").padded(28) + "  " + TerminalText.escaped(entry.detail ?? "")
      while line.utf8.last == UInt8(ascii: " ") { line.removeLast() }
      lines.append(line)
    }
    return lines.joined(separator: "\n")
  }

  /// `plan`'s text: the counts, then one line per job plan and untracked file.
  static func plan(
    _ s: PlanSummary, plans: [JobPlan], cache: CacheLocation?, adopt: Bool, givenUp: [String: String]
  ) -> String {
    var lines = [
      "submits:   \(s.submits) (each one spends quota)",
      "polls:     \(s.polls)",
      "fetches:   \(s.fetches)",
      "downloads: \(s.downloads)",
      "repairs:   \(s.repairs) (\(s.copies) from a local copy)",
      "orphans:   \(s.orphans)",
    ]
    if s.submitsDeferred > 0 {
      lines.insert(
        "held back: \(s.submitsDeferred) (by --max-submits, or by --jobs with --no-wait; a later run buys them)",
        at: 1)
    }
    if s.blocked > 0 {
      lines.append(
        "blocked:   \(s.blocked) (paid for once, or adopted and gone; see `swapsync status`, use --resubmit)")
    }
    if s.untracked > 0 {
      lines.append(
        "untracked: \(s.untracked) (files swapsync did not write; skipped, nothing bought: use --adopt or move them)"
      )
    }
    if s.adoptions > 0 {
      lines.append("adoptions: \(s.adoptions) (untracked files recorded as they are; nothing bought)")
    }
    // With --max-submits N, `sync` buys exactly the first N submits of this order
    // (SyncEngine.submitBudget).
    var submitsListed = 0
    for plan in plans {
      switch plan.action {
      case .submit(let reason):
        submitsListed += 1
        let verb = submitsListed > s.submits ? "held   " : "submit "
        let held = submitsListed > s.submits ? "; held back for a later run" : ""
        let dropped = Set(plan.pending.compactMap { givenUp[$0] }).sorted()
        let why = held + (dropped.isEmpty ? "" : "; gives up running job \(dropped.joined(separator: ", "))")
        lines.append("  \(verb)  \(plan.pending.joined(separator: ", ")) (\(reason.rawValue)\(why))")
      case .poll(let jobId): lines.append("  poll     \(plan.pending.joined(separator: ", ")) (job \(jobId))")
      case .restore(let jobId, let copyFrom):
        let download = "download from job \(jobId)"
        let remote = cache.map { "from the cache \($0), else \(download)" } ?? download
        let how = copyFrom.map { "copy of \($0)" } ?? remote
        lines.append("  restore  \(plan.pending.joined(separator: ", ")) (\(how))")
      case .blocked(let state):
        lines.append("  blocked  \(plan.pending.joined(separator: ", ")) (\(state.rawValue))")
      case .none: break
      }
      for output in plan.untracked {
        let dropped = givenUp[output].map { " (gives up running job \($0))" } ?? ""
        lines.append("  \(adopt ? "adopt    " : "untracked") \(output)\(adopt ? dropped : "")")
      }
    }
    return lines.map(TerminalText.escaped).joined(separator: "\n")
  }

  static func json<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }
}

extension String {
  fileprivate func padded(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
