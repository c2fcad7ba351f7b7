import ArgumentParser
import Foundation
import Logging
import SwapSyncKit

/// Options every command shares: which manifest, where its files are.
struct WorkspaceOptions: ParsableArguments {
  @Argument(help: "The manifest (JSON, version 1).")
  var manifest = "swaps.json"

  @Option(help: ArgumentHelp("Output folder (overrides the manifest's outputDir).", valueName: "dir"))
  var out: String?

  @Option(
    help: ArgumentHelp(
      "Lockfile path (default: <manifest>.lock.json beside the manifest).", valueName: "file"))
  var lock: String?

  @Option(
    help: ArgumentHelp(
      "Cache of verified outputs: a folder or s3://bucket/prefix (overrides the manifest's cache).",
      valueName: "location"))
  var cache: String?

  @Flag(help: "Allow plain http URLs to non-loopback hosts.")
  var allowHTTP = false

  @Flag(help: "Print nothing but errors on stderr.")
  var quiet = false

  @Flag(help: "Log every request (the API key is never logged).")
  var verbose = false

  func openWorkspace() throws(SwapSyncFailure) -> Workspace {
    let space = try Workspace.open(
      manifestPath: manifest, out: out, lock: lock, allowHTTP: allowHTTP, cache: cache)
    if let note = Workspace.renamedManifestNote(manifestPath: manifest, lock: lock) { say(note) }
    return space
  }

  /// The lockfile's path: `--lock`, or the default beside the manifest.
  var lockPath: String { lock ?? Workspace.defaultLockPath(manifestPath: manifest) }

  /// Where this invocation's no-op index lives (docs/performance.md); nil when no cache folder
  /// can be named.
  func noopIndexPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
    NoopIndex.location(
      manifestPath: manifest, lockPath: lockPath, out: out, allowHTTP: allowHTTP, cache: cache,
      environment: environment)
  }

  /// What the no-op index proves about the tree, when it proves it unchanged since a run that
  /// ended in sync; nil when the command must read the manifest and the lockfile.
  func noopProof(withReports: Bool) -> NoopIndex.Proof? {
    noopIndexPath().flatMap {
      NoopIndex.check(at: $0, manifestPath: manifest, lockPath: lockPath, withReports: withReports)
    }
  }

  /// The workspace's cache, resolved with the AWS environment variables; nil when none is set.
  func cacheConfiguration(_ space: Workspace) -> CacheConfiguration? {
    space.cache.map {
      CacheConfiguration.resolve($0, environment: ProcessInfo.processInfo.environment, allowHTTP: allowHTTP)
    }
  }

  func makeLogger() -> Logger {
    var logger = Logger(label: "swapsync") { TerminalLogHandler(StreamLogHandler.standardError(label: $0)) }
    logger.logLevel = verbose ? .debug : (quiet ? .error : .warning)
    return logger
  }

  /// Prints to stderr unless `--quiet`.
  func say(_ text: String) {
    guard !quiet, !text.isEmpty else { return }
    printError(text)
  }
}

/// Writes text to stderr, each of its lines with what could act on a terminal escaped
/// (`TerminalText.escapedLines`). A message that may hold a line break of its own is escaped
/// whole (`TerminalText.escaped`) before it gets here.
func printError(_ text: String) {
  var line = TerminalText.escapedLines(text)
  if !line.hasSuffix("\n") { line += "\n" }
  StandardError.write(line)
}

/// Runs a command body, turning failures into a message on stderr and the exit code of docs/exit-codes.md.
/// What it printed on stdout must have been written whole: if not, 73 (`StandardOutput`).
func withExitStatus(_ body: () async throws(SwapSyncFailure) -> ExitStatus) async throws -> Never {
  var status: ExitStatus
  do {
    status = try await body()
  } catch {
    printError("swapsync: \(TerminalText.escaped(error.message))")
    status = error.status
  }
  if let message = StandardOutput.failureMessage {
    printError("swapsync: \(message)")
    status = status.combined(with: .cannotWrite)
  }
  throw ExitCode(status.rawValue)
}
