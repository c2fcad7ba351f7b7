/// `sync --adopt`: records files swapsync did not write as the outputs they stand for, as they
/// are, buying nothing (docs/states.md, `untracked` → `done` by `adopted`).
///
/// Only images of an accepted type (JPEG, PNG, WebP, GIF, by their first bytes) are adopted;
/// anything else stays untracked and is reported. A file that is a result swapsync installed in
/// this folder (`ResultLedger`) is recorded with its job when it was bought for the entry's
/// inputs (`recognized`), and refused when it was bought for other inputs (another pair's image).
struct Adopter: Sendable {
  let folder: OutputFolder
  let store: StateStore
  let tally: TallyKeeper
  let givenUp: GivenUpJobs

  /// Adopts every untracked output of `plans`. Returns a failure to report (exit 73) when a file
  /// could not be read or the journal not written; files that are not images are warnings.
  func adopt(_ plans: [JobPlan]) async -> SwapSyncFailure? {
    let ledger = OutputFiles.LazyLedger(stateDir: folder.stateDir)
    for plan in plans {
      for output in plan.untracked {
        // An output whose record holds a paid job gets its result once the file is moved.
        let afterwards =
          await store.entry(output)?.jobId != nil
          ? "move it away to collect the result (already paid)"
          : "move it away to get this output's image (`swapsync plan` then shows whether that buys it)"
        do {
          let found: FileDigest?
          do {
            found = try folder.hash(relativePath: output)
          } catch .symlinkRefused, .notARegularFile {
            await tally.update {
              $0.warnings.append("\(output): not adopted: not a regular file; \(afterwards)")
            }
            continue
          }
          guard let digest = found else { continue }
          guard let type = digest.type else {
            await tally.update {
              $0.warnings.append(
                "\(output): not adopted: not a JPEG, PNG, WebP or GIF image; \(afterwards)")
            }
            continue
          }
          let verified = VerifiedResult(sha256: digest.sha256, size: digest.size, imageType: type)
          let current = await store.entry(output)
          let sha256 = digest.sha256
          let known = ledger.lookUp(plan.pair) { sha256 }
          if let known, known.pair != plan.pair {
            await tally.update {
              $0.warnings.append(
                "\(output): not adopted: it is the result of job \(known.jobId) for other inputs, installed here by "
                  + "swapsync (for another branch?), not this output's image; \(afterwards)")
            }
            continue
          }
          // Its job named by another output's record for other inputs (a bad merge): recorded,
          // the lockfile would name one job for two pairs, which no command reads (65).
          if let known,
            let other = await store.output(recording: known.jobId, forOtherThan: plan.pair, besides: output)
          {
            await tally.update {
              $0.warnings.append(
                "\(output): not adopted: it is the result of job \(known.jobId) for these inputs, but the lockfile's "
                  + "record of \(other) names that job for other inputs (a bad merge?); restore the lockfile from "
                  + "version control, or fix that record first")
            }
            continue
          }
          let event = Self.event(recording: verified, known: known)
          let adopted = try Lifecycle.apply(event, to: current, pair: plan.pair)
          try await store.record([output: adopted], cause: Lifecycle.kind(of: event).rawValue)
          await tally.update {
            $0.adopted += 1
            if let jobId = givenUp.adopting(current) {
              $0.warnings.append(
                "\(output): adopted as it is; job \(jobId), bought for it and still running, is given up (its "
                  + "result is never downloaded)")
            }
          }
        } catch {
          return SwapSyncFailure(.cannotWrite, "\(output): could not adopt: \(error)")
        }
      }
    }
    return nil
  }

  /// How `verified` is recorded: with its job when it is a result swapsync installed here for
  /// the entry's inputs (`recognized`), else as it is (`adopted`).
  private static func event(recording verified: VerifiedResult, known: ResultLedger.Known?) -> LifecycleEvent
  {
    known?.recognizing(verified) ?? .adopted(verified)
  }
}
