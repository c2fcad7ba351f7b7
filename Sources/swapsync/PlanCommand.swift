import ArgumentParser
import SwapSyncKit

/// `swapsync plan`: what `sync` would do, offline.
struct PlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Show what sync would do, offline. Exit 2 if it would do anything, 1 if entries need attention."
  )

  @OptionGroup var workspace: WorkspaceOptions
  @Option(help: ArgumentHelp("As for sync: states that would be bought again.", valueName: "states"))
  var resubmit: [ResubmitArgument] = []
  @Flag(help: "As for sync: record untracked files as they are instead of skipping them.")
  var adopt = false
  @Option(parsing: .unconditional, help: "As for sync: submit at most this many jobs in the run.")
  var maxSubmits: Int?
  @Flag(help: "As for sync: a run that does not wait, which keeps at most --jobs jobs in flight.")
  var noWait = false
  @Option(
    parsing: .unconditional, help: "As for sync: jobs in flight at TTAPI at once (matters with --no-wait).")
  var jobs = 10
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "As for sync: the largest result image accepted; a result at hand over it is not copied.",
      valueName: "size"))
  var maxImageSize = SizeArgument(argument: "64MiB")!
  @Flag(help: "Print the plan as JSON on stdout.")
  var json = false

  func validate() throws {
    if let maxSubmits, maxSubmits < 0 { throw ValidationError("--max-submits must not be negative") }
    if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
  }

  func run() async throws {
    try await withExitStatus { () throws(SwapSyncFailure) -> ExitStatus in
      // Unchanged since a run ended in sync: nothing to do but orphans to count (--resubmit
      // names failed states, --adopt untracked files; an in-sync tree has neither).
      if let reports = workspace.noopProof(withReports: true)?.reports {
        var summary = PlanSummary()
        summary.orphans = reports.count { $0.status == .orphan }
        return show(
          summary, plans: [], cache: nil, adoptable: nil, givenUp: [:], notAdoptable: [:], exit: .inSync)
      }
      let space = try workspace.openWorkspace()
      let states = resubmit.reduce(into: Set<EntryState>()) { $0.formUnion($1.states) }
      let inspection = try Inspection.load(
        space, resubmit: states, adopt: adopt, maxSubmits: maxSubmits, inFlight: noWait ? jobs : nil,
        maxImageSize: maxImageSize.value)
      if let pid = inspection.runnerPID { workspace.say("note: a sync run (pid \(pid)) is in progress") }
      if inspection.lockfileBehind { printError(inspection.behindNote) }
      let placeholders = Scaffold.unboughtPlaceholders(space.manifest, lock: inspection.lock)
      if !placeholders.isEmpty {
        printError(
          "note: \(Wording.count(placeholders.count, "output")) still use the starter's placeholder URLs "
            + "(https://\(Scaffold.placeholderHost)/…): `swapsync sync` refuses to buy them (exit 65); replace "
            + "them with your images")
      }
      return show(
        inspection.summary, plans: inspection.plans, cache: space.cache,
        adoptable: adopt ? inspection.adoptable : nil, givenUp: inspection.jobsGivenUp,
        notAdoptable: inspection.notAdoptable, exit: inspection.planExit)
    }
  }

  private func show(
    _ summary: PlanSummary, plans: [JobPlan], cache: CacheLocation?, adoptable: Set<String>?,
    givenUp: [String: String], notAdoptable: [String: String], exit: ExitStatus
  ) -> ExitStatus {
    if json {
      let steps = PlanStep.steps(
        plans, summary: summary, adoptable: adoptable, givenUp: givenUp, notAdoptable: notAdoptable,
        maxImageSize: maxImageSize.value)
      StandardOutput.line(Rendering.json(PlanJSON(summary: summary, steps: steps, exitCode: exit.rawValue)))
    } else {
      StandardOutput.line(
        Rendering.plan(
          summary, plans: plans, cache: cache, adoptable: adoptable, givenUp: givenUp,
          notAdoptable: notAdoptable, maxImageSize: maxImageSize.value))
    }
    return exit
  }
}

private struct PlanJSON: Encodable {
  var summary: PlanSummary
  /// What `sync` would do, output by output, in its order (PlanStep).
  var steps: [PlanStep]
  var exitCode: Int32
}
