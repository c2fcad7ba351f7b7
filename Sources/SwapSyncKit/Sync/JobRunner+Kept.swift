#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Restoring from `.swapsync/replaced/` (docs/safety.md, "Replaced files are kept"): before the
/// cache and the job, a repair looks there for the recorded result itself, which an earlier
/// install kept when it put another result over it (a branch switched, then switched back); a
/// plan whose inputs changed back to a kept result's (`JobPlan.kept`) takes it from there
/// instead of buying it, as does a plan whose result stands unrecorded at another of its outputs
/// (another branch's). The kept bytes are hashed on their way into a temporary file and used
/// only when they are the expected ones. No request at all on this path, and the kept file
/// stays where it is.
extension JobRunner {
  /// Installs the plan's outputs from a kept copy of their result (`plan.current`). Returns
  /// false, having changed nothing, when there is none with the expected checksum and size.
  func restoreFromKept(_ plan: JobPlan) async throws -> Bool {
    // Nothing larger than a download may be is copied in (a forged `results.jsonl` could claim it).
    guard let entry = plan.current, entry.state == .done, let jobId = entry.jobId,
      let sha256 = entry.sha256, let size = entry.size, size <= options.maxImageSize
    else { return false }
    let folder = folder
    let outputs = plan.pending
    // Where the plan found it: in `replaced/` (maybe under another output's name), or at another
    // output (unrecorded, `Planner.liveResult`, or that output's old result, `resultInPlace`), then
    // kept under that output's name (its new result replaced it meanwhile); then under the
    // outputs' own names.
    let keptPrefix = OutputPath.stateFolderName + "/" + OutputFolder.replacedFolderName + "/"
    let planned = plan.kept?.path
    let live = planned.flatMap { $0.hasPrefix(keptPrefix) ? nil : $0 }
    let found = try await BlockingIO.run { () throws(FileSystemError) -> (TempFile, ImageType)? in
      for index in -2..<outputs.count {
        let opened: (fd: Int32, path: String)?
        if index >= 0 {
          opened = try folder.openKept(outputs[index], sha256: sha256, sizes: size...size)
        } else if let live {
          opened =
            index == -2
            ? try folder.openRegularFile(live, sizes: size...size)
            : try folder.openKept(live, sha256: sha256, sizes: size...size)
        } else if let planned, index == -2 {
          opened = try folder.openKept(
            atKeptPath: String(planned.dropFirst(keptPrefix.count)), sizes: size...size)
        } else {
          opened = nil
        }
        guard let kept = opened else { continue }
        defer { Posix.closeQuietly(kept.fd) }
        let temp = try folder.makeTempFile()
        let digest: FileDigest
        do throws(FileSystemError) {
          digest = try OutputFolder.stream(kept.fd, path: kept.path) { (chunk) throws(FileSystemError) in
            try temp.write(chunk)
          }
        } catch {
          folder.discard(temp)
          throw error
        }
        if digest.sha256 == sha256, digest.size == size, let type = digest.type { return (temp, type) }
        folder.discard(temp)
      }
      return nil
    }
    guard let (temp, type) = found else { return false }
    let verified = VerifiedResult(sha256: sha256, size: size, imageType: type)
    let known = plan.kept?.known
    let event: LifecycleEvent =
      known?.recognizing(verified)
      ?? .resultInstalled(verified, jobId: jobId, quota: entry.quota, at: Self.timestamp())
    let (before, pair) = (await records(outputs), plan.pair)
    if known != nil {
      // The record comes first, as for a copy: a crash before the rename leaves a `done` entry
      // whose file is another, repaired from here by the next run (the old file kept first).
      try await transition(plan, event)
    }
    let installed = try await installFile(temp, at: outputs) { [self] output, existing in
      replacement(of: existing, installing: sha256, record: before[output] ?? nil, pair: pair)
    }
    await warnKeptAside(
      installed.kept, restoredBy: live.map { "a copy of \($0)" } ?? "the result kept there earlier")
    var plan = plan
    plan.pending = installed.written
    guard !plan.pending.isEmpty else { return true }
    rememberInstalled(plan.pending, verified)
    if known == nil { try await transition(plan, event) }
    await tally.update { $0.copied += plan.pending.count }
    return true
  }
}
