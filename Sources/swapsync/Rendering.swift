import Foundation
import SwapSyncKit

/// Text and JSON renderings of command results. Text shows the service's messages and job ids
/// through `TerminalText`, which escapes whatever could act on a terminal.
enum Rendering {
  /// `status`'s table: one row per entry, columns padded to the widest output (at most 60
  /// characters) and the fixed widths of a state and a job id; no trailing spaces. Built as
  /// bytes in one buffer: `status` of 100,000 entries prints 100,000 rows (docs/performance.md).
  static func table(_ entries: [EntryReport]) -> String {
    guard !entries.isEmpty else { return "no entries" }
    let outputs = entries.map { TerminalText.escaped($0.output) }
    // At least the header's width: outputs shorter than "OUTPUT" would shift the columns under it.
    let width = min(60, max(6, outputs.map(TerminalText.columns).max() ?? 6))
    var text: [UInt8] = []
    text.reserveCapacity((entries.count + 1) * (width + 48))
    // A cell is padded to its column and followed by at least `gap` spaces, so an output wider
    // than its column (over 60) never touches the state: `awk '{print $2}'` still reads it.
    func cell(_ value: String, _ columns: Int, gap: Int = 1) {
      text.append(contentsOf: value.utf8)
      let used = TerminalText.columns(value)
      text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(columns - used, gap)))
    }
    func row(_ output: String, _ state: String, _ job: String, _ detail: String) {
      cell(output, width + 2, gap: 2)
      cell(state, 11)
      if detail.isEmpty {
        text.append(contentsOf: job.utf8)
      } else {
        cell(job, 30)
        text.append(contentsOf: detail.utf8)
      }
      text.append(UInt8(ascii: "\n"))
    }
    row("OUTPUT", "STATE", "JOB", "DETAIL")
    for (entry, output) in zip(entries, outputs) {
      row(
        output, entry.status.rawValue, TerminalText.escaped(entry.jobId ?? "-"),
        TerminalText.escaped(entry.detail ?? ""))
    }
    text.removeLast()
    return String(decoding: text, as: UTF8.self)
  }

  /// `plan`'s text: the counts, then one line per job plan and untracked file.
  static func plan(
    _ s: PlanSummary, plans: [JobPlan], cache: CacheLocation?, adoptable: Set<String>?,
    givenUp: [String: String], notAdoptable: [String: String] = [:],
    maxImageSize: Int = SyncOptions.defaultMaxImageSize
  ) -> String {
    var lines = [
      "submits:   \(s.submits) (each one spends quota)",
      "polls:     \(s.polls) (running jobs, fetched until they end)",
      "fetches:   \(s.fetches) (at most: finished jobs fetched again for their results; none for what a cache holds)",
      "downloads: \(s.downloads) (at most: a result per job above; none for what a cache holds)",
      "repairs:   \(s.repairs) (\(s.copies) from a local copy)",
      "orphans:   \(s.orphans)",
    ]
    if s.submitsDeferred > 0 {
      lines.insert(
        "held back: \(s.submitsDeferred) (by --max-submits, or by --jobs with --no-wait; a later run buys them)",
        at: 1)
    }
    if s.submitting > 0 {
      lines.append(
        "submitting: \(s.submitting) (the sync in progress sent these submits and waits for their answers)")
    }
    if s.blocked > 0 {
      lines.append(
        "blocked:   \(s.blocked) (sync leaves them: paid for once or adopted and gone, see `swapsync status` and "
          + "--resubmit; or larger than --max-image-size)")
    }
    if s.inTheWay > 0 {
      lines.append(
        "in the way: \(s.inTheWay) (a link, folder or special file where a recorded output goes; sync stops "
          + "with 73 until it is moved)")
    }
    if s.untracked > 0 {
      lines.append(
        "untracked: \(s.untracked) (files this lockfile does not account for; skipped, nothing bought: use --adopt or "
          + "move them)"
      )
    }
    if s.adoptions > 0 {
      lines.append("adoptions: \(s.adoptions) (untracked files recorded as they are; nothing bought)")
    }
    lines += PlanStep.steps(
      plans, summary: s, adoptable: adoptable, givenUp: givenUp, notAdoptable: notAdoptable,
      maxImageSize: maxImageSize
    ).map {
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
