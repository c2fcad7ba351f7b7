import ArgumentParser
import SwapSyncKit

/// `swapsync verify`: rehash every output against the lockfile.
struct VerifyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify", abstract: "Rehash every output against the lockfile. Exit 1 on any mismatch.")

  @OptionGroup var workspace: WorkspaceOptions

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      let (checked, mismatches) = try Verifier.verify(try workspace.openWorkspace())
      for mismatch in mismatches {
        StandardOutput.line(TerminalText.escaped("\(mismatch.output): \(mismatch.problem)"))
      }
      workspace.say(
        "verified \(Wording.count(checked, "output")): \(checked - mismatches.count) match, "
          + "\(mismatches.count) \(mismatches.count == 1 ? "does" : "do") not")
      return mismatches.isEmpty ? .inSync : .attention
    }
  }
}
