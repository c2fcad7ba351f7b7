import Foundation
import Testing

/// Shell completions and the help that the man page is made from come from the command definitions.
@Suite("completions", .timeLimit(.minutes(5)))
struct CompletionTests {
  @Test("bash, zsh and fish scripts know every subcommand, the new options and the --state values")
  func completionScripts() async throws {
    let sandbox = try Sandbox()
    for shell in ["bash", "zsh", "fish"] {
      let result = try await sandbox.swapsync(["--generate-completion-script", shell], emulator: nil)
      #expect(result.status == 0, "\(shell): \(result.stderr)")
      let options = ["state", "output"].map { shell == "fish" ? "-l '\($0)'" : "--\($0)" }
      for word in ["sync", "plan", "status", "verify", "prune", "gallery", "init"] + options {
        #expect(result.stdout.contains(word), "\(shell) completion lacks \(word)")
      }
      // `--state` offers the state names (only that option lists "submitting").
      #expect(result.stdout.contains("submitting"), "\(shell) completion lacks the --state values")
    }
    let help = try await sandbox.swapsync(["--experimental-dump-help"], emulator: nil)
    #expect(help.status == 0)
    #expect(
      help.stdout.contains("\"commandName\" : \"gallery\"")
        || help.stdout.contains("\"commandName\":\"gallery\""))
  }
}
