import ArgumentParser
import SwapSyncKit

/// `swapsync status`: every entry's state, offline.
struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show every entry's state, offline. Exit 0 in sync, 1 attention needed, 75 work pending.")

  @OptionGroup var workspace: WorkspaceOptions
  @Flag(help: "Print the entries as JSON on stdout.")
  var json = false

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      let space = try workspace.openWorkspace()
      let inspection = try Inspection.load(space)
      let cache = workspace.cacheConfiguration(space)
      let notInCache = cache.map { PushEngine.pending(space, lock: inspection.lock, cache: $0) }
      if json {
        print(Rendering.json(CacheRendering.entries(inspection.entries, notInCache: notInCache)))
      } else {
        print(Rendering.table(inspection.entries))
        if let cache, let notInCache, !notInCache.isEmpty {
          print(CacheRendering.pendingPushes(notInCache, cache: cache.location))
        }
      }
      if let pid = inspection.runnerPID { workspace.say("note: a sync run (pid \(pid)) is in progress") }
      return inspection.statusExit
    }
  }
}
