import ArgumentParser
import SwapSyncKit

/// `swapsync init`: a starter manifest and a `.gitignore` line; never overwrites.
struct InitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Write a starter swaps.json and a .gitignore line for .swapsync/. Never overwrites.",
    discussion: """
      The starter manifest passes validation: one swap and a 2 x 2 matrix (faces x targets) with \
      placeholder URLs on images.example.com, which sync refuses to buy (exit 65). Replace them \
      with your images before the first sync; \
      `swapsync plan` shows what would be bought. The .gitignore beside the manifest gets a \
      `.swapsync/` line (swapsync's machine-local state) unless a line already ignores it. The \
      outputs of swaps.json go to out/, those of another manifest NAME.json to NAME-out/ (also \
      when out/ is already there: one output folder per manifest). If the \
      manifest already exists, nothing is written and the exit status is 73.
      """)

  @Argument(help: "The manifest to create.")
  var manifest = "swaps.json"

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      let outcome = try Scaffold.create(manifestPath: manifest)
      var wrote = "wrote \(outcome.manifestPath): a swap and a 2 x 2 matrix with placeholder URLs"
      if outcome.outputDir != "out" {
        wrote +=
          "; its outputs go to \(outcome.outputDir)/ (one output folder per manifest)"
      }
      StandardOutput.line(wrote)
      switch outcome.gitignore {
      case .created:
        StandardOutput.line("wrote \(outcome.gitignorePath) with the line \(Scaffold.gitignoreLine)")
      case .appended: StandardOutput.line("added \(Scaffold.gitignoreLine) to \(outcome.gitignorePath)")
      case .alreadyIgnored:
        StandardOutput.line("\(outcome.gitignorePath) already ignores \(Scaffold.gitignoreLine)")
      }
      StandardOutput.line(
        "next: replace the example.com URLs with your images, then run `swapsync plan \(manifest)`")
      return .inSync
    }
  }
}
