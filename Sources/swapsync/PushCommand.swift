import ArgumentParser
import Foundation
import SwapSyncKit

/// `swapsync push`: upload to the cache every verified output not yet there.
struct PushCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "push",
    abstract:
      "Upload to the cache every verified output not yet there. Exit 1 if something could not be pushed.",
    discussion: """
      The cache is the manifest's "cache" or --cache: a folder, or s3://bucket/prefix with \
      credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the region \
      from AWS_REGION and an S3-compatible endpoint from AWS_ENDPOINT_URL. Every object is checked \
      (a HEAD, or the folder's file) and only missing ones are sent. \
      Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the push: no new upload starts, the ones under way \
      finish, what was pushed is recorded, and swapsync exits with 130 (SIGINT), 143 (SIGTERM) or \
      129 (SIGHUP). A second signal exits at once; the next push checks again what the cache holds.
      """)

  @OptionGroup var workspace: WorkspaceOptions
  @Option(parsing: .unconditional, help: "Objects uploaded at once.")
  var uploads = 8
  @Option(help: ArgumentHelp("Trust the CAs in this PEM file for TLS.", valueName: "path"))
  var cacert: String?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "An S3 request that sends nothing for this long is given up (also the whole time a HEAD may take).",
      valueName: "duration"))
  var stallTimeout = DurationArgument(argument: "30s")!

  func validate() throws {
    guard uploads >= 1 else { throw ValidationError("--uploads must be at least 1") }
    guard stallTimeout.value > .zero else { throw ValidationError("--stall-timeout must be more than 0") }
    if let cacert, let problem = CACertificateFile.problem(at: cacert) { throw ValidationError(problem) }
  }

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      let space = try workspace.openWorkspace()
      let cache = workspace.cacheConfiguration(space)
      let engine = PushEngine(
        workspace: space, cache: cache,
        http: HTTPEngine.Configuration(caCertPath: cacert, allowHTTP: workspace.allowHTTP), parallel: uploads,
        stallTimeout: stallTimeout.value, logger: workspace.makeLogger())
      let say: @Sendable (String) -> Void = { [workspace] line in workspace.say(line) }
      let trap = SignalTrap()
      let summary = try await engine.run(trap: trap, announce: say) { say(CacheRendering.progress($0)) }
      for warning in summary.warnings { workspace.say("warning: \(TerminalText.escaped(warning))") }
      var line =
        "cache \(summary.cache): \(summary.pushed) pushed, \(summary.alreadyThere) already there"
      if summary.replaced > 0 { line += ", \(summary.replaced) damaged copies replaced" }
      if summary.failedObjects > 0 { line += ", \(summary.failedObjects) failed" }
      if summary.notAttempted > 0 { line += ", \(summary.notAttempted) not tried" }
      workspace.say(line)
      if let signal = trap.received {
        workspace.say(
          "interrupted by \(SyncReport.signalName(signal)): what was pushed is recorded; "
            + "run `swapsync push` again to continue")
        return .stopped(by: signal)
      }
      if !summary.complete {
        printError("swapsync: some outputs could not be pushed; run `swapsync push` again")
      }
      return summary.complete ? .inSync : .attention
    }
  }
}
