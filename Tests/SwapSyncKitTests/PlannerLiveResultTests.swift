import Testing

@testable import SwapSyncKit

/// A pair's result standing unrecorded at one of its outputs (another branch's sync) serves the
/// pair's other outputs: copied, not bought (docs/states.md, `untracked` → `done`).
@Suite("planner: a result at another output of the pair", .timeLimit(.minutes(3)))
struct PlannerLiveResultTests {
  let pair = SwapPair(targetImage: "https://t/a.png", swapImage: "https://f/x.png")
  let other = SwapPair(targetImage: "https://t/b.png", swapImage: "https://f/x.png")
  let digest = FileDigest(sha256: String(repeating: "a", count: 64), size: 7, type: .png)

  func firstPlan(known: ResultLedger.Known?, digest: FileDigest?) -> JobPlan? {
    let manifest = Manifest(
      path: "swaps.json", outputDir: nil,
      entries: ["a.png", "b.png"].map { ManifestEntry(output: $0, pair: pair, hookUrl: nil, origin: "swaps") }
    )
    let files = FileView(
      check: { _, _ in .missing },
      probe: { output in output == "a.png" ? .present(size: 7) : .absent },
      known: { output, _ in output == "a.png" ? known : nil },
      digest: { output in output == "a.png" ? digest : nil })
    return Planner(resubmit: []).plan(manifest: manifest, lock: Lockfile(entries: [:]), files: files).first
  }

  @Test("copied from there with the buying run's job, the file itself left untracked")
  func copied() throws {
    let known = ResultLedger.Known(
      jobId: "J", pair: pair, quota: 2, finishedAt: "2026-12-01T00:00:00Z", size: 7)
    let plan = try #require(firstPlan(known: known, digest: digest))
    #expect(plan.action == .restore(jobId: "J", copyFrom: "a.png"))
    #expect(plan.pending == ["b.png"])
    #expect(plan.untracked == ["a.png"])
    #expect(plan.current?.jobId == "J")
    #expect(plan.current?.sha256 == digest.sha256)
    #expect(plan.current?.state == .done)
  }

  @Test("bought as usual when the file is another pair's result, of another size, or not an image")
  func bought() throws {
    let elsewhere = ResultLedger.Known(jobId: "J", pair: other, size: 7)
    let resized = ResultLedger.Known(jobId: "J", pair: pair, size: 8)
    let same = ResultLedger.Known(jobId: "J", pair: pair, size: 7)
    var notImage = digest
    notImage.type = nil
    for (known, found) in [(elsewhere, digest), (resized, digest), (same, notImage), (nil, digest)] {
      let plan = try #require(firstPlan(known: known, digest: found))
      #expect(plan.action == .submit(reason: .missing), "\(String(describing: known))")
    }
  }
}

/// A pair this folder bought before (`results.jsonl`) whose result is nowhere in the folder:
/// its job is followed again, not bought again (docs/states.md, `missing` → `running`).
@Suite("planner: a job the ledger knows", .timeLimit(.minutes(3)))
struct PlannerKnownJobTests {
  let pair = SwapPair(targetImage: "https://t/a.png", swapImage: "https://f/x.png")

  func plan(_ results: [(sha256: String, known: ResultLedger.Known)], lock: Lockfile = Lockfile(entries: [:]))
    -> (JobPlan?, EntryReport?)
  {
    let manifest = Manifest(
      path: "swaps.json", outputDir: nil,
      entries: [ManifestEntry(output: "c.png", pair: pair, hookUrl: nil, origin: "swaps")])
    let files = FileView(
      check: { _, _ in .missing }, probe: { _ in .absent }, knownResults: { $0 == pair ? results : [] })
    let planner = Planner(resubmit: [])
    return (
      planner.plan(manifest: manifest, lock: lock, files: files).first,
      planner.report(manifest: manifest, lock: lock, files: files, runInProgress: false).first
    )
  }

  @Test("the newest known job is polled with a running record of it; status says so; nothing is bought")
  func polled() throws {
    let older = ResultLedger.Known(jobId: "OLD", pair: pair, finishedAt: "2026-11-01T00:00:00Z", size: 7)
    let newer = ResultLedger.Known(
      jobId: "NEW", pair: pair, quota: 2, submittedAt: "2026-12-01T00:00:00Z",
      finishedAt: "2026-12-01T00:01:00Z",
      size: 7)
    let (plan, report) = plan([("b", newer), ("a", older)])
    #expect(plan?.action == .poll(jobId: "NEW"))
    #expect(plan?.current?.state == .running && plan?.current?.quota == 2)
    #expect(plan?.current?.submittedAt == "2026-12-01T00:00:00Z")
    #expect(plan?.current?.sha256 == nil, "no bytes are claimed for the output before they are downloaded")
    #expect(report?.status == .missing)
    #expect(report?.detail?.contains("those of job NEW, bought in this folder before") == true)
  }

  @Test("with no known job, or a decision waiting for --resubmit, it is not polled")
  func notPolled() throws {
    #expect(plan([]).0?.action == .submit(reason: .missing))
    let lost = LockEntry(
      targetImage: pair.targetImage, swapImage: pair.swapImage, state: .lost, jobId: "NEW",
      message: "unknown job")
    let known = ResultLedger.Known(jobId: "NEW", pair: pair, size: 7)
    #expect(plan([("a", known)], lock: Lockfile(entries: ["c.png": lost])).0?.action == .blocked(.lost))
  }
}

/// `status` says what `plan` does with a new output of a pair that waits for a decision.
@Suite("planner: status agrees with plan", .timeLimit(.minutes(3)))
struct PlannerReportAgreementTests {
  let pair = SwapPair(targetImage: "https://t/a.png", swapImage: "https://f/x.png")

  @Test("a new output of an adopted pair whose file is gone: plan blocks it as lost, status shows it lost")
  func newOutputOfAnAdoptedPairThatIsGone() {
    let manifest = Manifest(
      path: "swaps.json", outputDir: nil,
      entries: ["adopted.png", "twin.png"].map {
        ManifestEntry(output: $0, pair: pair, hookUrl: nil, origin: "swaps")
      })
    var adopted = LockEntry(
      targetImage: pair.targetImage, swapImage: pair.swapImage, state: .done, jobId: nil, sha256: "s", size: 1
    )
    adopted.adopted = true
    let lock = Lockfile(entries: ["adopted.png": adopted])
    let files = FileView(check: { _, _ in .missing }, probe: { _ in .absent })
    let planner = Planner(resubmit: [])
    let plan = planner.plan(manifest: manifest, lock: lock, files: files)
    #expect(plan.first?.action == .blocked(.lost) && plan.first?.pending == ["twin.png"])
    let twin = planner.report(manifest: manifest, lock: lock, files: files, runInProgress: false)
      .first { $0.output == "twin.png" }
    #expect(twin?.status == .lost)
    #expect(twin?.detail?.contains("those of adopted.png, which is lost") == true, "\(twin?.detail ?? "")")
  }
}
