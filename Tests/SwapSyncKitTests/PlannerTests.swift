import Testing

@testable import SwapSyncKit

/// The planner's money decisions (docs/states.md): what is submitted automatically and what is not.
@Suite("planner", .timeLimit(.minutes(3)))
struct PlannerTests {
  let a = SwapPair(targetImage: "https://t/a.png", swapImage: "https://f/x.png")
  let b = SwapPair(targetImage: "https://t/b.png", swapImage: "https://f/x.png")

  func manifest(_ entries: [(String, SwapPair)]) -> Manifest {
    Manifest(
      path: "swaps.json", outputDir: nil,
      entries: entries.map { ManifestEntry(output: $0.0, pair: $0.1, hookUrl: nil, origin: "swaps") })
  }

  func entry(_ pair: SwapPair, _ state: EntryState, job: String? = "J1", sha: String? = nil) -> LockEntry {
    LockEntry(
      targetImage: pair.targetImage, swapImage: pair.swapImage, state: state, jobId: job, sha256: sha, size: 1
    )
  }

  func plan(
    _ manifest: Manifest, _ lock: [String: LockEntry], resubmit: Set<EntryState> = [],
    files: [String: FileCheck] = [:], present: [String: Int] = [:]
  ) -> [JobPlan] {
    Planner(resubmit: resubmit).plan(
      manifest: manifest, lock: Lockfile(entries: lock), files: view(files, present: present))
  }

  /// Files as the planner sees them: `files` for recorded outputs (default: matching), `present`
  /// for what stands at a path (default: a file where `files` does not say missing).
  func view(_ files: [String: FileCheck], present: [String: Int] = [:]) -> FileView {
    FileView(
      check: { output, _ in files[output] ?? .matches },
      probe: { output in present[output].map { .present(size: $0) } ?? .absent })
  }

  @Test(
    "a plan and a lock entry stay small: a run holds one per pair and one per output (docs/performance.md)")
  func planAndEntrySizes() {
    #expect(MemoryLayout<JobPlan>.stride <= 128)
    #expect(MemoryLayout<LockEntry>.stride <= 176)
    var plan = JobPlan(pair: a, hookUrl: nil, outputs: ["x"], pending: [], action: .none, current: nil)
    let entry = LockEntry(targetImage: a.targetImage, swapImage: a.swapImage, state: .done, jobId: "J")
    plan.current = entry
    #expect(plan.current == entry)
    plan.current = nil
    #expect(plan.current == nil)
  }

  @Test(
    "a file found at an output at install time is replaced only when the output's record makes it ours, kept first when it is a paid result or not the recorded one"
  )
  func replacement() {
    let theirs = FileDigest(sha256: String(repeating: "b", count: 64), size: 5, type: nil)
    let ours = FileDigest(sha256: String(repeating: "a", count: 64), size: 5, type: nil)
    let new = String(repeating: "c", count: 64)
    let sha = ours.sha256
    func decide(_ digest: FileDigest, _ record: LockEntry?, installing: String = new) -> Replacement {
      Planner.replacement(of: digest, installing: installing, record: record, pair: a)
    }
    #expect(decide(theirs, nil) == .leave, "no record: a file the user dropped")
    #expect(decide(theirs, nil, installing: theirs.sha256) == .leave, "even with the bytes being installed")
    #expect(decide(theirs, entry(a, .running)) == .leave, "a job with no file yet")
    #expect(decide(ours, entry(a, .running, sha: sha), installing: sha) == .replace, "renamed before a crash")
    #expect(
      decide(ours, entry(a, .running, sha: sha)) == .archive, "a stale output's old result, new job running")
    #expect(decide(ours, entry(b, .running, sha: sha)) == .archive, "a stale output's old result")
    #expect(decide(ours, entry(b, .done, sha: sha)) == .archive, "a stale entry's paid result")
    #expect(decide(ours, entry(b, .done, job: nil, sha: sha)) == .replace, "no job: nothing paid")
    #expect(decide(theirs, entry(b, .running, sha: sha)) == .leave)
    #expect(decide(ours, entry(a, .done, sha: sha)) == .replace, "the recorded result itself")
    #expect(decide(theirs, entry(a, .done, sha: sha)) == .keepAside, "modified: kept, then repaired")
    #expect(decide(theirs, entry(b, .done, sha: sha)) == .leave, "another pair's bytes")
    var adopted = entry(a, .done, job: nil, sha: sha)
    adopted.adopted = true
    #expect(decide(ours, adopted) == .leave, "an adopted file is the user's")
  }

  @Test("new entries are submitted; entries sharing a pair are one job")
  func missingAndShared() {
    let plans = plan(manifest([("1.png", a), ("2.png", a), ("3.png", b)]), [:])
    #expect(plans.count == 2)
    #expect(plans[0].action == .submit(reason: .missing))
    #expect(plans[0].pending == ["1.png", "2.png"])
  }

  @Test("changed inputs are stale and resubmitted automatically")
  func stale() {
    let plans = plan(manifest([("1.png", b)]), ["1.png": entry(a, .done, sha: "s")])
    #expect(plans[0].action == .submit(reason: .stale))
  }

  @Test("paid-for states wait for --resubmit naming them", arguments: [EntryState.uncertain, .failed, .lost])
  func paidStatesNeedResubmit(state: EntryState) {
    let m = manifest([("1.png", a)])
    let lock = ["1.png": entry(a, state, job: state == .uncertain ? nil : "J1")]
    let blocked = EntryStatus(rawValue: state.rawValue)!
    #expect(plan(m, lock)[0].action == .blocked(blocked))
    #expect(plan(m, lock, resubmit: [state])[0].action == .submit(reason: blocked))
    let other: Set<EntryState> = Set([EntryState.uncertain, .failed, .lost]).subtracting([state])
    #expect(plan(m, lock, resubmit: other)[0].action == .blocked(blocked))
  }

  @Test("an interrupted submit counts as uncertain, never as missing")
  func submittingIsUncertain() {
    let lock = ["1.png": entry(a, .submitting, job: nil)]
    #expect(plan(manifest([("1.png", a)]), lock)[0].action == .blocked(.uncertain))
  }

  @Test("a new output whose pair is blocked is not bought behind the user's back")
  func newOutputOfBlockedPair() {
    let lock = ["1.png": entry(a, .uncertain, job: nil)]
    let plans = plan(manifest([("1.png", a), ("2.png", a)]), lock)
    #expect(plans[0].action == .blocked(.uncertain))
  }

  @Test("running jobs are polled, not resubmitted")
  func running() {
    let plans = plan(manifest([("1.png", a)]), ["1.png": entry(a, .running, job: "J7")])
    #expect(plans[0].action == .poll(jobId: "J7"))
  }

  @Test("done with a missing or modified file is restored from the recorded job")
  func restore() {
    let lock = ["1.png": entry(a, .done, sha: "s")]
    #expect(
      plan(manifest([("1.png", a)]), lock, files: ["1.png": .missing])[0].action
        == .restore(jobId: "J1", copyFrom: nil))
    #expect(
      plan(manifest([("1.png", a)]), lock, files: ["1.png": .differs("x")])[0].action
        == .restore(jobId: "J1", copyFrom: nil))
    #expect(plan(manifest([("1.png", a)]), lock)[0].action == .none)
  }

  @Test("a new output of a done pair is copied from the verified sibling: no network")
  func copyFromSibling() {
    let lock = ["1.png": entry(a, .done, sha: "s")]
    let plans = plan(manifest([("1.png", a), ("2.png", a)]), lock)
    #expect(plans[0].action == .restore(jobId: "J1", copyFrom: "1.png"))
    #expect(plans[0].pending == ["2.png"])
  }

  @Test("orphans are reported, not planned")
  func orphans() {
    let lock = ["old.png": entry(a, .done, sha: "s")]
    let planner = Planner(resubmit: [])
    let reports = planner.report(
      manifest: manifest([]), lock: Lockfile(entries: lock), files: view([:]), runInProgress: false)
    #expect(reports.map(\.status) == [.orphan])
    #expect(planner.plan(manifest: manifest([]), lock: Lockfile(entries: lock), files: view([:])).isEmpty)
  }

  @Test("a file at an output with no record is untracked: never pending, never bought")
  func untrackedIsSkipped() {
    let plans = plan(
      manifest([("1.png", a), ("2.png", a), ("3.png", b)]), [:], present: ["1.png": 7, "3.png": 9])
    #expect(plans[0].pending == ["2.png"] && plans[0].untracked == ["1.png"])
    #expect(plans[0].action == .submit(reason: .missing))
    #expect(plans[1].pending.isEmpty && plans[1].untracked == ["3.png"] && plans[1].action == .none)
    let reports = Planner(resubmit: []).report(
      manifest: manifest([("3.png", b)]), lock: Lockfile(entries: [:]),
      files: view([:], present: ["3.png": 9]),
      runInProgress: false)
    #expect(reports.map(\.status) == [.untracked])
    #expect(reports[0].detail?.contains("9 bytes") == true)
  }

  @Test("a recorded output whose bytes changed is modified and repaired; a changed adopted file is untracked")
  func modifiedVersusAdopted() {
    var adopted = entry(a, .done, job: nil, sha: "s")
    adopted.adopted = true
    let ours = plan(
      manifest([("1.png", a)]), ["1.png": entry(a, .done, sha: "s")], files: ["1.png": .differs("x")],
      present: ["1.png": 3])
    #expect(ours[0].action == .restore(jobId: "J1", copyFrom: nil) && ours[0].pending == ["1.png"])
    let theirs = plan(
      manifest([("1.png", a)]), ["1.png": adopted], files: ["1.png": .differs("x")], present: ["1.png": 3])
    #expect(theirs[0].action == .none && theirs[0].untracked == ["1.png"])
  }

  @Test(
    "a renamed output reuses its orphan's job: copied when intact, fetched again when gone, followed when running"
  )
  func renamedOutputReusesTheOrphansJob() {
    let renamed = manifest([("new.png", a)])
    let done = entry(a, .done, sha: "s1")
    #expect(plan(renamed, ["old.png": done]).first?.action == .restore(jobId: "J1", copyFrom: "old.png"))
    #expect(
      plan(renamed, ["old.png": done], files: ["old.png": .missing]).first?.action
        == .restore(jobId: "J1", copyFrom: nil))
    #expect(plan(renamed, ["old.png": entry(a, .running)]).first?.action == .poll(jobId: "J1"))
    // Another pair's orphan is nothing to this one.
    #expect(plan(renamed, ["old.png": entry(b, .done, sha: "s1")]).first?.action == .submit(reason: .missing))
  }

  @Test("status says what plan does for a stale output whose new inputs an orphan holds (step 2 of a swap)")
  func staleOutputTakingAnOrphansResult() {
    // x.png was b's, now wants a; old.png (an orphan) holds a's result.
    let swapped = manifest([("x.png", a)])
    let lock = ["x.png": entry(b, .done, sha: "s2"), "old.png": entry(a, .done, sha: "s1")]
    #expect(plan(swapped, lock).first?.action == .restore(jobId: "J1", copyFrom: "old.png"))
    let report = Planner(resubmit: []).report(
      manifest: swapped, lock: Lockfile(entries: lock), files: view([:]), runInProgress: false)
    let row = report.first { $0.output == "x.png" }
    #expect(row?.status == .stale)
    #expect(row?.detail?.contains("sync takes its result from that one's job J1 instead of buying") == true)
    // The orphan needs a decision: so does the output (blocked in plan, exit 1 in status).
    let waiting = ["x.png": entry(b, .done, sha: "s2"), "old.png": entry(a, .failed)]
    #expect(plan(swapped, waiting).first?.action == .blocked(.failed))
    let blocked = Planner(resubmit: []).report(
      manifest: swapped, lock: Lockfile(entries: waiting), files: view([:]), runInProgress: false)
    #expect(blocked.first { $0.output == "x.png" }?.status == .failed)
  }

  @Test("an orphan's paid job that needs a decision still needs --resubmit after a rename")
  func renamedOutputKeepsThePaidDecision() {
    let renamed = manifest([("new.png", a)])
    // An uncertain submit has no job id, a rejected one neither: they still count.
    let noJob = ["old.png": entry(a, .uncertain, job: nil)]
    #expect(plan(renamed, noJob).first?.action == .blocked(.uncertain))
    #expect(plan(renamed, ["old.png": entry(a, .failed, job: nil)]).first?.action == .blocked(.failed))
    let report = Planner(resubmit: []).report(
      manifest: renamed, lock: Lockfile(entries: noJob), files: view([:]), runInProgress: false)
    #expect(
      report.first { $0.output == "new.png" }?.status == .uncertain, "the pair needs a decision: exit 1")
    for state in [EntryState.failed, .uncertain, .lost] {
      let status = EntryStatus(rawValue: state.rawValue)!
      #expect(plan(renamed, ["old.png": entry(a, state)]).first?.action == .blocked(status))
      #expect(
        plan(renamed, ["old.png": entry(a, state)], resubmit: [state]).first?.action
          == .submit(reason: status))
    }
  }

  @Test(
    "another manifest output's running job is not taken, its finished result is: copied when intact, else fetched again"
  )
  func swappedNamesAreStale() {
    // Taking y's running job for x while y is rewritten for a's pair would lose the job; x's
    // result is copied to y before x is replaced (`Planner.resultInPlace`), or fetched again from
    // x's job when x's file changed.
    let lock = ["x.png": entry(a, .done, sha: "s1"), "y.png": entry(b, .running, job: "J2")]
    let plans = plan(manifest([("x.png", b), ("y.png", a)]), lock)
    #expect(plans.map(\.action) == [.submit(reason: .stale), .restore(jobId: "J1", copyFrom: "x.png")])
    #expect(plans.last?.current?.jobId == "J1" && plans.last?.current?.sha256 == "s1")
    let changed = plan(manifest([("x.png", b), ("y.png", a)]), lock, files: ["x.png": .differs("s9")])
    #expect(changed.map(\.action) == [.submit(reason: .stale), .restore(jobId: "J1", copyFrom: nil)])
    #expect(Planner.inheritances(changed, lock: Lockfile(entries: lock))["y.png"] == .some(lock["x.png"]))
    var adopted = entry(a, .done, job: nil, sha: "s1")
    adopted.adopted = true
    let user = plan(manifest([("x.png", b), ("y.png", a)]), ["x.png": adopted])
    #expect(user.map(\.action) == [.submit(reason: .stale), .submit(reason: .missing)])
  }

  @Test("a renamed output inherits its orphan's record; a stale file at its path keeps its checksum")
  func renamedOutputInheritsTheOrphansRecord() {
    let running = entry(b, .running, job: "J2")
    let lock = ["old.png": running, "new.png": entry(a, .done, sha: "s1")]
    let plans = plan(manifest([("new.png", b)]), lock)
    #expect(plans.first?.action == .poll(jobId: "J2"))
    let inherited = Planner.inheritances(plans, lock: Lockfile(entries: lock))
    var expected = running
    expected.sha256 = "s1"  // new.png's file is the stale output swapsync wrote, until J2's result
    expected.size = 1
    #expect(inherited == ["new.png": .some(expected)])
    // A sibling's running job is shared at once, so that it stays y.png's if x.png's inputs
    // change before it is collected; a sibling's finished result is copied in the run instead.
    let siblings = plan(manifest([("x.png", a), ("y.png", a)]), ["x.png": entry(a, .running)])
    #expect(
      Planner.inheritances(siblings, lock: Lockfile(entries: ["x.png": entry(a, .running)]))
        == ["y.png": .some(entry(a, .running))])
    // status says the same: y.png shares x.png's job, nothing is bought.
    let report = Planner(resubmit: []).report(
      manifest: manifest([("x.png", a), ("y.png", a)]),
      lock: Lockfile(entries: ["x.png": entry(a, .running)]),
      files: view([:]), runInProgress: false)
    #expect(
      report.first { $0.output == "y.png" }?.detail?.contains("whose job J1 it takes (no new job)") == true)
    let done = ["x.png": entry(a, .done, sha: "s1")]
    #expect(
      Planner.inheritances(plan(manifest([("x.png", a), ("y.png", a)]), done), lock: Lockfile(entries: done))
        .isEmpty)
  }

  @Test("a renamed adopted output: its intact file is copied; once gone, it waits for --resubmit lost")
  func renamedAdoptedOutput() {
    let renamed = manifest([("new.png", a)])
    var adopted = entry(a, .done, job: nil, sha: "s1")
    adopted.adopted = true
    #expect(plan(renamed, ["old.png": adopted]).first?.action == .restore(jobId: "", copyFrom: "old.png"))
    let gone = plan(renamed, ["old.png": adopted], files: ["old.png": .missing])
    #expect(gone.first?.action == .blocked(.lost))
    #expect(gone.first?.current?.adopted == true, "a cache holding its bytes may still restore it")
    #expect(
      plan(renamed, ["old.png": adopted], resubmit: [.lost], files: ["old.png": .missing]).first?.action
        == .submit(reason: .lost))
  }

  @Test(
    "a link in the way of a done output: nothing to fetch, named in the plan; status says so, not 'downloaded again'"
  )
  func linkInTheWay() {
    let link = "out/bob is a symbolic link; swapsync never follows links inside the output folder"
    let files = view(["1.png": .blocked(link)])
    let plans = Planner(resubmit: []).plan(
      manifest: manifest([("1.png", a)]), lock: Lockfile(entries: ["1.png": entry(a, .done, sha: "s")]),
      files: files)
    #expect(plans[0].action == .none && plans[0].pending.isEmpty)
    #expect(plans[0].inTheWay.map(\.output) == ["1.png"] && plans[0].inTheWay.first?.what == link)
    let report = Planner(resubmit: []).report(
      manifest: manifest([("1.png", a)]), lock: Lockfile(entries: ["1.png": entry(a, .done, sha: "s")]),
      files: files, runInProgress: false)
    #expect(report[0].status == .untracked)
    #expect(report[0].detail == link + "; until then `swapsync sync` cannot put the output back (exit 73)")
    var adopted = entry(a, .done, job: nil, sha: "s")
    adopted.adopted = true
    let kept = Planner(resubmit: []).plan(
      manifest: manifest([("1.png", a)]), lock: Lockfile(entries: ["1.png": adopted]), files: files)
    #expect(kept[0].action == .blocked(.lost))
  }
}
