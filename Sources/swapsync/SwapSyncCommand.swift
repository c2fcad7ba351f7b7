import ArgumentParser
import Foundation
import SwapSyncKit

/// `swapsync`: keeps a folder of face-swapped images in step with a JSON manifest.
@main
struct SwapSyncCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "swapsync",
    abstract: "Keep a folder of TTAPI face swaps in step with a version-controlled JSON manifest.",
    version: "0.1.0",
    subcommands: [
      SyncCommand.self, PlanCommand.self, StatusCommand.self, VerifyCommand.self, PruneCommand.self,
      PushCommand.self,
      GalleryCommand.self, InitCommand.self,
    ]
  )

  /// ArgumentParser's own `main`, after the standard descriptors are made safe (`StandardStreams`).
  static func main() async {
    StandardStreams.openClosedOnes()
    do {
      var command = try parseAsRoot()
      if var asynchronous = command as? AsyncParsableCommand {
        try await asynchronous.run()
      } else {
        try command.run()
      }
    } catch {
      // `--help`, `help` and `--version` (a clean exit with text): written like every command's
      // stdout, so a stdout that cannot take it exits 73 (docs/exit-codes.md), not 0.
      if exitCode(for: error) == .success {
        let text = fullMessage(for: error)
        if !text.isEmpty { StandardOutput.line(text) }
        if let problem = StandardOutput.failureMessage {
          printError("swapsync: \(problem)")
          Foundation.exit(ExitStatus.cannotWrite.rawValue)
        }
        Foundation.exit(0)
      }
      exit(withError: error)
    }
  }
}
