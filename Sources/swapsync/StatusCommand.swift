import ArgumentParser
import Foundation
import SwapSyncKit

/// `swapsync status`: every entry's state, offline.
struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show every entry's state, offline. Exit 0 in sync, 1 attention needed, 75 work pending.",
    discussion: """
      --state limits the table (and --json) to entries in the given states, comma-separated or \
      repeated: --state failed,uncertain. The exit status then describes only the entries shown, \
      the way `git diff --exit-code -- PATH` judges only the paths asked for: 1 if one of them needs \
      attention, else 75 if one has work pending, else 0 (also when none is in those states). So \
      `swapsync status --state failed` exits 1 exactly when something failed. \
      States: \(EntryStatus.allCases.map(\.rawValue).joined(separator: ", ")).
      """)

  @OptionGroup var workspace: WorkspaceOptions
  @Flag(help: "Print the entries as JSON on stdout.")
  var json = false
  @Option(
    help: ArgumentHelp(
      "Show only entries in these states (comma-separated or repeated).", valueName: "states"),
    completion: .list(EntryStatus.allCases.map(\.rawValue)))
  var state: [String] = []

  func validate() throws {
    _ = try selectedStates()
  }

  /// The states `--state` names; nil when it was not given (show everything).
  func selectedStates() throws(ValidationError) -> Set<EntryStatus>? {
    guard !state.isEmpty else { return nil }
    var states: Set<EntryStatus> = []
    for word in state.flatMap({ $0.split(separator: ",") }) {
      let name = word.trimmingCharacters(in: .whitespaces).lowercased()
      guard let status = EntryStatus(rawValue: name) else {
        let valid = EntryStatus.allCases.map(\.rawValue).joined(separator: ", ")
        throw ValidationError("--state: unknown state \"\(word)\"; the states are \(valid)")
      }
      states.insert(status)
    }
    guard !states.isEmpty else { throw ValidationError("--state needs at least one state name") }
    return states
  }

  func run() async throws {
    let selection = try selectedStates()
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      // Unchanged since a run ended in sync: its rows still hold (with a cache, the full path
      // says which outputs are not in it yet).
      if let proof = workspace.noopProof(withReports: true), !proof.cacheConfigured,
        let reports = proof.reports
      {
        return show(reports, selection: selection, notInCache: nil, cache: nil)
      }
      let space = try workspace.openWorkspace()
      let inspection = try Inspection.load(space)
      let cache = workspace.cacheConfiguration(space)
      let notInCache = cache.map { PushEngine.pending(space, lock: inspection.lock, cache: $0) }
      let status = show(inspection.entries, selection: selection, notInCache: notInCache, cache: cache)
      if let pid = inspection.runnerPID { workspace.say("note: a sync run (pid \(pid)) is in progress") }
      // A lockfile behind its journal is not in sync, whatever the entries say; `--state` judges
      // only the entries it shows (the note is said either way).
      guard inspection.lockfileBehind else { return status }
      printError(inspection.behindNote)
      guard selection == nil else { return status }
      return status == .inSync || status == .tryLater ? .attention : status
    }
  }

  /// Prints the entries in `selection` (all when nil) and returns their exit status.
  private func show(
    _ entries: [EntryReport], selection: Set<EntryStatus>?, notInCache: [String]?, cache: CacheConfiguration?
  ) -> ExitStatus {
    let shown = selection.map { states in entries.filter { states.contains($0.status) } } ?? entries
    if json {
      StandardOutput.line(Rendering.json(CacheRendering.entries(shown, notInCache: notInCache)))
    } else if shown.isEmpty, let selection {
      let names = EntryStatus.allCases.filter(selection.contains).map(\.rawValue)
      StandardOutput.line("no entries are \(names.joined(separator: " or "))")
    } else {
      StandardOutput.line(Rendering.table(shown))
      if let cache, let notInCache, !notInCache.isEmpty {
        StandardOutput.line(CacheRendering.pendingPushes(notInCache, cache: cache.location))
      }
    }
    return Inspection.statusExit(of: shown)
  }
}
