#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Restoring from `.swapsync/replaced/` (docs/safety.md, "Replaced files"): before the cache and
/// the job, a repair looks there for the recorded result itself, which an earlier repair kept
/// when it put another result over it (a branch switched, then switched back). The kept bytes
/// are hashed on their way into a temporary file and used only when they are the record's. No
/// request at all on this path, and the kept file stays where it is.
extension JobRunner {
  /// Installs the plan's outputs from a kept copy of their recorded result. Returns false,
  /// having changed nothing, when there is none with the record's checksum and size.
  func restoreFromKept(_ plan: JobPlan) async throws -> Bool {
    guard let entry = plan.current, entry.state == .done, let jobId = entry.jobId,
      let sha256 = entry.sha256, let size = entry.size
    else { return false }
    let folder = folder
    let outputs = plan.pending
    let found = try await BlockingIO.run { () throws(FileSystemError) -> (TempFile, ImageType)? in
      for output in outputs {
        guard let kept = try folder.openKept(output, sha256: sha256) else { continue }
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
    let installed = try await installFile(temp, at: outputs) { _, existing in
      existing.sha256 == sha256 ? .replace : .keepAsideAndReplace
    }
    await warnKeptAside(installed.kept, restoredBy: "the result kept there earlier")
    guard !installed.written.isEmpty else { return true }
    var plan = plan
    plan.pending = installed.written
    let verified = VerifiedResult(sha256: sha256, size: size, imageType: type)
    rememberInstalled(plan.pending, verified)
    try await transition(
      plan, .resultInstalled(verified, jobId: jobId, quota: entry.quota, at: Self.timestamp()))
    await tally.update { $0.copied += plan.pending.count }
    return true
  }
}
