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
      let inspection = try Inspection.load(try workspace.openWorkspace())
      if json {
        print(Rendering.json(inspection.entries))
      } else {
        print(Rendering.table(inspection.entries))
      }
      if let pid = inspection.runnerPID { workspace.say("note: a sync run (pid \(pid)) is in progress") }
      return inspection.statusExit
    }
  }
}
