import Foundation

/// The outcome of a `sync` run: per-entry states, what was done, and the exit status.
public struct SyncReport: Sendable {
  public var entries: [EntryReport]
  public var tally: RunTally
  public var failure: SwapSyncFailure?
  public var submitsDeferred: Int
  public var didWork: Bool
  /// Why the run ended before its work was done (interrupt or `--timeout`), if it did.
  public var stopReason: StopReason?
  /// Verified outputs the configured cache still lacks (a push failed or was not attempted).
  public var pushesPending = false
  public var workspace: Workspace

  public var exitStatus: ExitStatus {
    if case .signal(let signal) = stopReason { return .stopped(by: signal) }
    var status = failure?.status ?? .inSync
    if entries.contains(where: { $0.status.needsAttention }) { status = status.combined(with: .attention) }
    if entries.contains(where: { $0.status.isPending }) || submitsDeferred > 0 {
      status = status.combined(with: .tryLater)
    }
    return status
  }

  public func count(_ status: EntryStatus) -> Int {
    entries.filter { $0.status == status }.count
  }

  /// The short human summary for stderr.
  public func humanSummary() -> String {
    var lines: [String] = []
    let managed = entries.filter { $0.status != .orphan }
    if !didWork && exitStatus == .inSync && tally.pushedToCache > 0 {
      // Pushing what an earlier run could not is work too: not "nothing to do".
      lines.append(
        "\(Self.allInSync(managed.count)) in \(workspace.outputRoot); \(tally.pushedToCache) pushed to the cache"
      )
    } else if !didWork && exitStatus == .inSync {
      lines.append(Self.inSyncLine(outputs: managed.count, outputRoot: workspace.outputRoot))
    } else {
      let states = EntryStatus.allCases.filter { $0 != .orphan }.compactMap { status -> String? in
        let n = count(status)
        return n == 0 ? nil : "\(n) \(status.rawValue)"
      }
      var did: [String] = []
      if tally.submitted > 0 { did.append("\(tally.submitted) submitted") }
      if tally.downloaded > 0 { did.append("\(tally.downloaded) downloaded") }
      if tally.copied > 0 { did.append("\(tally.copied) copied") }
      if tally.restoredFromCache > 0 { did.append("\(tally.restoredFromCache) restored from the cache") }
      if tally.adopted > 0 { did.append("\(tally.adopted) adopted") }
      if tally.fetches > 0 { did.append(Wording.count(tally.fetches, "fetch", "fetches")) }
      if tally.quotaSpent > 0 { did.append("quota spent \(tally.quotaSpent)") }
      lines.append(
        "\(Wording.count(managed.count, "output")): \(states.isEmpty ? "none" : states.joined(separator: ", "))"
          + (did.isEmpty ? "" : " — \(did.joined(separator: ", "))"))
      lines.append("outputs in \(workspace.outputRoot), lockfile \(workspace.lockPath)")
      if tally.pushedToCache > 0 { lines.append("\(tally.pushedToCache) pushed to the cache") }
    }
    lines += tally.warnings.map { "warning: \($0)" }
    for entry in entries where entry.status.needsAttention {
      lines.append(
        "\(entry.status.rawValue): \(entry.output)\(entry.jobId.map { " (job \($0))" } ?? ""): \(entry.detail ?? "")"
      )
    }
    lines += Self.advice(for: entries)
    if count(.running) > 0 {
      lines.append(
        "\(Wording.count(count(.running), "job")) not collected yet (running at TTAPI, or finished and not "
          + "downloaded); "
          + "run `swapsync sync` again to collect them")
    }
    if submitsDeferred > 0 {
      lines.append(
        "\(Wording.count(submitsDeferred, "submit")) held back by --max-submits (or by --jobs with --no-wait); run again with "
          + "the same options to continue")
    }
    // "Again" only helps entries still pending; what is uncertain or failed has its advice above.
    let pending = entries.contains { $0.status.isPending }
    let again = pending ? "; run `swapsync sync` again to continue" : ""
    switch stopReason {
    case .signal(let signal)?:
      lines.append(
        "interrupted by \(Self.signalName(signal)): \(Wording.count(tally.submitted, "job id")) recorded, "
          + "\(Wording.count(count(.running), "job")) left running at TTAPI\(again)")
    case .timeout?:
      lines.append("--timeout reached: transfers under way were stopped\(again)")
    case .failure?, nil:
      break
    }
    if let note = Self.orphanNote(count(.orphan)) { lines.append(note) }
    if let failure { lines.append("error: \(failure.message)") }
    // Each line may carry the service's text (messages, job ids): shown escaped, so it can
    // neither act on the terminal nor start a line of its own.
    return lines.map(TerminalText.escaped).joined(separator: "\n")
  }

  /// The summary of a run with nothing to do; also said by `sync` when the no-op index answers.
  public static func inSyncLine(outputs: Int, outputRoot: String) -> String {
    "nothing to do: \(allInSync(outputs)) in \(outputRoot)"
  }

  /// "all 3 outputs are in sync", "the 1 output is in sync".
  static func allInSync(_ outputs: Int) -> String {
    outputs == 1 ? "the 1 output is in sync" : "all \(outputs) outputs are in sync"
  }

  /// The note about outputs no longer in the manifest, if there are any.
  public static func orphanNote(_ orphans: Int) -> String? {
    switch orphans {
    case 0: nil
    case 1: "1 output is no longer in the manifest; `swapsync prune` deletes its file if swapsync wrote it"
    default:
      "\(orphans) outputs are no longer in the manifest; `swapsync prune` deletes the files swapsync wrote"
    }
  }

  /// `SIGINT`, `SIGTERM`, `SIGHUP`, or `signal N`.
  public static func signalName(_ signal: Int32) -> String {
    switch signal {
    case 1: "SIGHUP"
    case 2: "SIGINT"
    case 15: "SIGTERM"
    default: "signal \(signal)"
    }
  }

  /// What to run for entries that need attention.
  static func advice(for entries: [EntryReport]) -> [String] {
    let uncertain = entries.filter { $0.status == .uncertain }.count
    let failed = entries.filter { $0.status == .failed }.count
    let lost = entries.filter { $0.status == .lost }.count
    let untracked = entries.filter { $0.status == .untracked && !$0.isInTheWay }.count
    var lines: [String] = []
    if untracked > 0 {
      lines.append(
        (untracked == 1
          ? "1 output holds a file this lockfile does not account for; it was left alone: "
          : "\(untracked) outputs hold files this lockfile does not account for; they were left alone: ")
          + "run `swapsync sync --adopt` to record image files as they are (no purchase), or move them away")
    }
    if uncertain > 0 {
      lines.append(
        "\(Wording.count(uncertain, "entry", "entries")) uncertain: the answer to their submit was lost and they may have been billed; "
          + "run `swapsync sync --resubmit uncertain` to buy them again")
    }
    if failed > 0 {
      lines.append(
        "\(Wording.count(failed, "entry", "entries")) failed; fix their inputs, or run `swapsync sync --resubmit failed` to try again"
      )
    }
    if lost > 0 {
      lines.append(
        "\(Wording.count(lost, "entry", "entries")) lost: their results can no longer be downloaded; run `swapsync sync --resubmit lost` to buy them again"
      )
    }
    return lines
  }

  /// The `--json` summary object. `exitStatus` is the status the process exits with when it is
  /// not the run's own (a failed `--gallery`, a signal after the run), and `error` then says why.
  public func json(exitStatus: ExitStatus? = nil, error extra: SwapSyncFailure? = nil) -> String {
    var counts: [String: Int] = [:]
    for status in EntryStatus.allCases { counts[status.rawValue] = count(status) }
    let messages = [failure?.message, extra?.message].compactMap { $0 }
    let summary = JSONSummary(
      exitCode: (exitStatus ?? self.exitStatus).rawValue, outputDir: workspace.outputRoot,
      lockfile: workspace.lockPath, entries: counts, submitted: tally.submitted, quotaSpent: tally.quotaSpent,
      polls: tally.fetches, downloaded: tally.downloaded, copied: tally.copied,
      restoredFromCache: tally.restoredFromCache, pushedToCache: tally.pushedToCache,
      submitsDeferred: submitsDeferred, warnings: tally.warnings,
      error: messages.isEmpty ? nil : messages.joined(separator: "; "),
      attention: entries.filter { $0.status.needsAttention })
    return JSONSummary.encode(summary)
  }

  /// The `--json` summary of a `sync` that stopped before its run began: an invalid manifest or
  /// lockfile, another run holding the lock, a usage error (docs/exit-codes.md). The same shape
  /// as a run's, every count 0, `outputDir` null when the manifest could not be read.
  public static func json(failure: SwapSyncFailure, outputDir: String?, lockfile: String) -> String {
    let counts = Dictionary(uniqueKeysWithValues: EntryStatus.allCases.map { ($0.rawValue, 0) })
    let summary = JSONSummary(
      exitCode: failure.status.rawValue, outputDir: outputDir, lockfile: lockfile, entries: counts,
      submitted: 0, quotaSpent: 0, polls: 0, downloaded: 0, copied: 0, restoredFromCache: 0, pushedToCache: 0,
      submitsDeferred: 0, warnings: [], error: failure.message, attention: [])
    return JSONSummary.encode(summary)
  }
}

/// The shape of `sync --json`. Every key is always there: `error` and `outputDir` are null when
/// there is nothing to say.
struct JSONSummary: Codable {
  var exitCode: Int32
  var outputDir: String?
  var lockfile: String
  var entries: [String: Int]
  var submitted: Int
  var quotaSpent: Int
  var polls: Int
  var downloaded: Int
  var copied: Int
  var restoredFromCache: Int
  var pushedToCache: Int
  var submitsDeferred: Int
  var warnings: [String]
  var error: String?
  var attention: [EntryReport]

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(exitCode, forKey: .exitCode)
    try container.encode(outputDir, forKey: .outputDir)
    try container.encode(lockfile, forKey: .lockfile)
    try container.encode(entries, forKey: .entries)
    try container.encode(submitted, forKey: .submitted)
    try container.encode(quotaSpent, forKey: .quotaSpent)
    try container.encode(polls, forKey: .polls)
    try container.encode(downloaded, forKey: .downloaded)
    try container.encode(copied, forKey: .copied)
    try container.encode(restoredFromCache, forKey: .restoredFromCache)
    try container.encode(pushedToCache, forKey: .pushedToCache)
    try container.encode(submitsDeferred, forKey: .submitsDeferred)
    try container.encode(warnings, forKey: .warnings)
    try container.encode(error, forKey: .error)
    try container.encode(attention, forKey: .attention)
  }

  static func encode<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
  }
}
