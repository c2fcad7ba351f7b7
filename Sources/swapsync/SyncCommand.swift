import ArgumentParser
import Foundation
import SwapSyncKit

/// `swapsync sync`: submit what is missing, poll, download, verify, record.
struct SyncCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sync",
    abstract: "Converge the output folder with the manifest: submit, poll, download, verify, record.",
    discussion: """
      Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the run gracefully: no new work starts, polls and \
      downloads stop (their jobs stay recorded as running), submits already sent get up to 5 seconds \
      (--interrupt-grace) to answer so their job ids are recorded, the lockfile is written, and swapsync exits with 130 \
      (SIGINT), 143 (SIGTERM) or 129 (SIGHUP). A second signal exits at once; the journal keeps the \
      state consistent and the next run continues from it. --timeout ends the run the same way, \
      with exit 75, except that a submit already sent is waited for until it answers (at most its \
      60 s request timeout): its answer is money.
      """)

  @OptionGroup var workspace: WorkspaceOptions
  @OptionGroup var api: APIOptions

  @Option(parsing: .unconditional, help: "Jobs in flight at TTAPI at once.")
  var jobs = 10
  @Option(parsing: .unconditional, help: "Parallel downloads.")
  var downloads = 8
  @Flag(help: "One pass, without waiting for running jobs (for cron).")
  var noWait = false
  @Option(
    parsing: .unconditional, help: ArgumentHelp("How long to wait for running jobs.", valueName: "duration"))
  var timeout = DurationArgument(argument: "30m")!
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "First poll delay; later polls wait a tenth of the time waited (at most 60s).", valueName: "duration"))
  var pollInterval = DurationArgument(argument: "5s")!
  @Option(parsing: .unconditional, help: "Submit at most this many jobs in this run.")
  var maxSubmits: Int?
  @Option(
    help: ArgumentHelp(
      "Buy entries in these states again: uncertain, failed, lost, all.", valueName: "states"))
  var resubmit: [ResubmitArgument] = []
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("A job with no result this long after its submit fails.", valueName: "duration"))
  var jobDeadline = DurationArgument(argument: "24h")!
  @Option(parsing: .unconditional, help: ArgumentHelp("Largest result image accepted.", valueName: "size"))
  var maxImageSize = SizeArgument(argument: "64MiB")!
  @Flag(help: "Print one JSON summary object on stdout.")
  var json = false
  @Flag(
    help: ArgumentHelp(
      "Record files swapsync did not write (untracked) as the outputs they stand for, as they are; buys nothing."
    ))
  var adopt = false
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "A transfer slower than 1 KiB/s for this long is abandoned and retried.", valueName: "duration"))
  var stallTimeout = DurationArgument(argument: "30s")!
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "After SIGINT/SIGTERM/SIGHUP, how long submits already sent may still answer (--timeout waits for them).",
      valueName: "duration"))
  var interruptGrace = DurationArgument(argument: "5s")!
  @Option(
    help: ArgumentHelp(
      "Write NDJSON events (one object per state change, then a summary) to this file, or - for stdout.",
      valueName: "file"))
  var events: String?
  @Flag(
    help: "At the end of the run, write the gallery page (<outputDir>/index.html, see `swapsync gallery`).")
  var gallery = false

  func validate() throws {
    if let problem = invalidOption() {
      // The options were parsed: --json is known, and its one summary object is owed (64).
      if json {
        StandardOutput.line(
          SyncReport.json(
            failure: SwapSyncFailure(.usage, problem), outputDir: nil, lockfile: workspace.lockPath))
      }
      throw ValidationError(problem)
    }
  }

  /// Whether `path` names the file standard output already is (`/dev/stdout`, `/proc/self/fd/1`,
  /// or the file it was redirected to): the same device and inode.
  private static func isStandardOutput(_ path: String) -> Bool {
    var named = stat()
    var output = stat()
    guard stat(path, &named) == 0, fstat(1, &output) == 0 else { return false }
    return named.st_dev == output.st_dev && named.st_ino == output.st_ino
  }

  /// What is wrong with the options' values, if anything.
  private func invalidOption() -> String? {
    if jobs < 1 { return "--jobs must be at least 1" }
    if downloads < 1 { return "--downloads must be at least 1" }
    if let maxSubmits, maxSubmits < 0 { return "--max-submits must not be negative" }
    // Each promises stdout to itself: --json one summary object, --events - a stream of them.
    if json, let events, events == "-" || Self.isStandardOutput(events) {
      return
        "--json and --events \(events) both write to standard output; write the events to a file (--events FILE)"
    }
    // Checked here, not by APIOptions: a ValidationError there would come before --json's summary.
    if let cacert = api.cacert, let problem = CACertificateFile.problem(at: cacert) { return problem }
    // 0 would poll without pause, fail every job at its first poll, or call every download stalled.
    for (name, duration) in [
      ("--poll-interval", pollInterval), ("--job-deadline", jobDeadline), ("--stall-timeout", stallTimeout),
    ] where duration.value <= .zero {
      return "\(name) must be more than 0"
    }
    return nil
  }

  /// What a run that stops early still reports: its summary object goes to `--json` and to
  /// `--events`, as a run's would (docs/exit-codes.md).
  private struct Started {
    var outputRoot: String?
    var events: EventStream?
  }

  func run() async throws {
    StandardOutput.keepWorkingIfTheReaderLeaves()
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      var started = Started()
      do throws(SwapSyncFailure) {
        return try await converge(&started)
      } catch {
        let summary = SyncReport.json(
          failure: error, outputDir: started.outputRoot, lockfile: workspace.lockPath)
        started.events?.runEnded(summary: summary)
        if json { StandardOutput.line(summary) }
        throw error
      }
    }
  }

  private func converge(_ started: inout Started) async throws(SwapSyncFailure) -> ExitStatus {
    let environment = ProcessInfo.processInfo.environment
    let lockPath = workspace.lockPath
    let index = workspace.noopIndexPath(environment: environment)
    // Checked before the shortcut: a bad --api-base is 64 whether or not there is work to do, and
    // a key file named on the command line that cannot be used is 77 (a typo in a cron line
    // shows on the first run, not on the first one with work).
    let apiBase = try api.baseURL(allowHTTP: workspace.allowHTTP)
    if api.apiKeyFile != nil { _ = try api.key() }
    // Nothing changed since a run ended in sync: say so without parsing anything, in the words
    // of the full path (SyncReport.humanSummary).
    // With --gallery the full path runs: the page is written (or refused) at its end.
    if !json, events == nil, !gallery, let proof = workspace.noopProof(withReports: false) {
      workspace.say(
        ([SyncReport.inSyncLine(outputs: proof.outputs, outputRoot: proof.outputRoot)]
          + [SyncReport.orphanNote(proof.orphans)].compactMap { $0 }).joined(separator: "\n"))
      return .inSync
    }
    let space = try workspace.openWorkspace()
    started.outputRoot = space.outputRoot
    var options = SyncOptions()
    options.jobs = jobs
    options.downloads = downloads
    options.noWait = noWait
    options.timeout = timeout.value
    options.pollInterval = pollInterval.value
    options.maxSubmits = maxSubmits
    options.resubmit = resubmit.reduce(into: []) { $0.formUnion($1.states) }
    options.jobDeadline = jobDeadline.value
    options.maxImageSize = maxImageSize.value
    options.apiBase = apiBase
    options.adopt = adopt
    options.stallTimeout = stallTimeout.value
    options.stopGrace = interruptGrace.value
    options.cache = workspace.cacheConfiguration(space)
    options.announce = { [workspace] in workspace.say($0) }
    var observers: [any SyncObserver] = []
    var stream: EventStream?
    if let events {
      do {
        let opened = try EventStream(path: events)
        stream = opened
        started.events = opened
        observers.append(opened)
      } catch {
        throw SwapSyncFailure(.cannotWrite, "--events: \(error)")
      }
    }
    let progress =
      workspace.quiet
      ? nil : ProgressDisplay.forStandardError(environment: ProcessInfo.processInfo.environment)
    if let progress { observers.append(progress) }
    let observer = observers.isEmpty ? nil : ObserverGroup(observers)
    options.observer = observer
    if let warning = DescriptorLimit.ensure(jobs: jobs, downloads: downloads) {
      printError("swapsync: warning: \(warning)")
    }
    let engine = SyncEngine(
      workspace: space, options: options, http: api.httpConfiguration(allowHTTP: workspace.allowHTTP),
      logger: workspace.makeLogger())
    let trap = SignalTrap()
    let report = try await engine.run(trap: trap) { () throws(SwapSyncFailure) -> String in try api.key() }
    var status = report.exitStatus
    let galleryFailure = gallery ? GalleryCommand.refresh(space, options: workspace) : nil
    if let galleryFailure { status = status.combined(with: galleryFailure.status) }
    let signal = trap.received
    if let signal { status = status.combined(with: .stopped(by: signal)) }
    // The event stream's summary carries what `--json` says (docs/events.md).
    observer?.runEnded(summary: report.json(exitStatus: status, error: galleryFailure))
    let eventsFailure = stream?.writeFailure
    if let events, let eventsFailure {
      printError(
        "swapsync: warning: --events \(events): could not write: \(eventsFailure); the event stream is incomplete"
      )
    }
    workspace.say(report.humanSummary())
    // `--quiet` prints nothing but errors: the run's own, too (the summary above carries it).
    if workspace.quiet, let failure = report.failure {
      printError("swapsync: \(TerminalText.escaped(failure.message))")
    }
    // Events on stdout are what the command prints: stdout that cannot take them is 73
    // (docs/exit-codes.md); an events file that fills up is a warning (docs/events.md).
    if events == "-", eventsFailure != nil { status = status.combined(with: .cannotWrite) }
    // Printed last, with the status the process exits with.
    if json { StandardOutput.line(report.json(exitStatus: status, error: galleryFailure)) }
    if signal != nil { return status }
    if let index {
      if status == .inSync && report.failure == nil && !report.pushesPending {
        NoopIndex.record(
          at: index, manifestPath: workspace.manifest, lockPath: lockPath, outputRoot: space.outputRoot,
          outputs: space.manifest.entries.map(\.output), reports: report.entries,
          cacheConfigured: options.cache != nil)
      } else {
        NoopIndex.forget(at: index)
      }
    }
    return status
  }
}

/// How to reach TTAPI: base URL, key, CA bundle.
struct APIOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp("TTAPI base URL (default: $TTAPI_BASE_URL or https://api.ttapi.io).", valueName: "url")
  )
  var apiBase: String?
  @Option(
    help: ArgumentHelp(
      "Read the API key from this file (mode 600) instead of $TT_API_KEY.", valueName: "path"))
  var apiKeyFile: String?
  @Option(help: ArgumentHelp("Trust the CAs in this PEM file for TLS.", valueName: "path"))
  var cacert: String?

  func baseURL(allowHTTP: Bool) throws(SwapSyncFailure) -> String {
    let base = apiBase ?? ProcessInfo.processInfo.environment["TTAPI_BASE_URL"] ?? "https://api.ttapi.io"
    if let problem = URLPolicy.problem(with: base, allowHTTP: allowHTTP) {
      throw SwapSyncFailure(.usage, "--api-base \(base): \(problem)")
    }
    return base
  }

  func key() throws(SwapSyncFailure) -> String {
    try APIKey.load(file: apiKeyFile, environment: ProcessInfo.processInfo.environment)
  }

  func httpConfiguration(allowHTTP: Bool) -> HTTPEngine.Configuration {
    HTTPEngine.Configuration(caCertPath: cacert, allowHTTP: allowHTTP)
  }
}
