import ArgumentParser
import SwapSyncKit

/// `swapsync gallery`: a static HTML page of every entry, to see what was bought.
struct GalleryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gallery",
    abstract: "Write a static HTML page showing every entry: target, face, result, state, job and message.",
    discussion: """
      The page (default <outputDir>/index.html) is one self-contained file: inline style, a small \
      script to filter by state, no network access of its own. Results are linked relative to the \
      page, so it opens from file:// and from any web server that serves the output folder; swaps \
      are cards and each matrix block is a grid of faces x targets. Everything from the manifest, \
      the lockfile or the server is shown as text, never as markup. Offline: reads the manifest, \
      the lockfile and the output folder, takes no run lock, and prints the page's path. `prune` \
      never deletes the page (.html is not an output extension). `sync --gallery` writes it at \
      the end of a run. Exit 0 when written, 64 for a bad --output, 65 for an invalid manifest or \
      lockfile, 73 when the page cannot be written or a file swapsync did not write is at its path.
      """)

  @OptionGroup var workspace: WorkspaceOptions
  @Option(
    help: ArgumentHelp(
      "Write the page here (an .html or .htm file; default: <outputDir>/index.html).", valueName: "file"))
  var output: String?

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      let inspection = try Inspection.load(try workspace.openWorkspace())
      let path = try Gallery.write(inspection, to: output)
      StandardOutput.line(path)
      if let pid = inspection.runnerPID { workspace.say("note: a sync run (pid \(pid)) is in progress") }
      return .inSync
    }
  }

  /// For `sync --gallery`: writes the page at its default place after a run. A failure is reported
  /// on stderr and returned, for its status to combine with the run's; the run's own work stands.
  static func refresh(_ workspace: Workspace, options: WorkspaceOptions) -> SwapSyncFailure? {
    do throws(SwapSyncFailure) {
      let path = try Gallery.write(try Inspection.load(workspace))
      options.say("gallery: \(path)")
      return nil
    } catch {
      printError("swapsync: \(TerminalText.escaped(error.message))")
      return error
    }
  }
}
