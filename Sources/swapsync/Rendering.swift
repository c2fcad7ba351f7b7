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
    _ s: PlanSummary, plans: [JobPlan], cache: CacheLocation?, adoptable: Set<String>?,
    givenUp: [String: String]
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
    lines += PlanStep.steps(plans, summary: s, adoptable: adoptable, givenUp: givenUp).map {
      $0.line(cache: cache)
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
