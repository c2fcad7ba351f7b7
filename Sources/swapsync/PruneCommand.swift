import ArgumentParser
import SwapSyncKit

/// `swapsync prune`: delete the files of outputs that left the manifest.
struct PruneCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Delete the files of lockfile orphans: outputs swapsync wrote whose entry left the manifest.")

  @OptionGroup var workspace: WorkspaceOptions
  @Flag(help: "Only say what would be deleted.")
  var dryRun = false
  @Option(parsing: .unconditional, help: "Refuse to delete more than this many files.")
  var maxDelete = 50

  func validate() throws {
    guard maxDelete >= 0 else { throw ValidationError("--max-delete must not be negative") }
  }

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      let pruner = Pruner(workspace: try workspace.openWorkspace(), dryRun: dryRun, maxDelete: maxDelete)
      let outcome = try await pruner.run()
      let verb = dryRun ? "would delete" : "deleted"
      for output in outcome.deleted { StandardOutput.line(TerminalText.escaped("\(verb) \(output)")) }
      for output in outcome.forgotten {
        StandardOutput.line(
          TerminalText.escaped("\(dryRun ? "would forget" : "forgot") \(output) (file already gone)"))
      }
      for output in outcome.adoptedLeft {
        StandardOutput.line(
          TerminalText.escaped(
            "\(dryRun ? "would forget" : "forgot") \(output) (adopted: swapsync did not write it, so the file stays)"
          ))
      }
      for kept in outcome.kept { printError(TerminalText.escaped("kept \(kept.output): \(kept.reason)")) }
      workspace.say("\(verb) \(Wording.count(outcome.deleted.count, "file")), kept \(outcome.kept.count)")
      if dryRun, outcome.deleted.count > maxDelete {
        printError(
          "prune would delete \(Wording.count(outcome.deleted.count, "file")), more than --max-delete \(maxDelete): pass "
            + "--max-delete \(outcome.deleted.count) once the list above is what you want deleted")
        return .attention
      }
      return outcome.kept.isEmpty ? .inSync : .attention
    }
  }
}
