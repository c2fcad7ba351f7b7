import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Machine-local memory of the results swapsync installed in an output folder: for each
/// result's SHA-256, its job and inputs. It lets swapsync tell its own files from the user's
/// when the lockfile in hand does not record them (a git branch switched under an output folder
/// that is not committed): such a file is not called "a file swapsync did not write", `sync
/// --adopt` records it with its job when its inputs are the entry's, and refuses it when they
/// are not (docs/states.md, `untracked`).
///
/// `<stateDir>/results.jsonl`, one JSON object per line (`sha256`, `jobId`, `targetImage`,
/// `swapImage`, and `quota`, `size`, `submittedAt`, `finishedAt`, `output` when known), appended after each
/// install and never fsynced: losing it only loses these answers (the files are then untracked,
/// as before, and a kept result is not found again). Bad lines are skipped; a later line wins.
/// Past `compactionThreshold` it is rewritten without repeats and oldest lines first.
public enum ResultLedger {
  /// A result swapsync installed: the job that made it, the inputs it was bought for, and the
  /// record's times and quota (so that a record made from it is the one the buying branch has).
  public struct Known: Sendable, Equatable {
    public var jobId: String
    public var pair: SwapPair
    public var quota: Int? = nil
    public var submittedAt: String? = nil
    public var finishedAt: String? = nil
    /// Length in bytes (lines written before it was noted have none).
    public var size: Int? = nil
    /// The outputs it was installed at, latest first (lines written before they were noted have
    /// none): where a run looks for it before buying its inputs again (`Planner.liveResult`).
    public var outputs: [String] = []
  }

  static let fileName = "results.jsonl"
  /// 64 MiB: about 200,000 results.
  static let sizeLimit = 64 << 20

  static func path(stateDir: String) -> String { stateDir + "/" + fileName }

  /// Appends to one folder's ledger, keeping the file open for the run.
  final class Writer: Sendable {
    let path: String
    /// Not opened yet (nil), opened, or not openable (-1); guarded by the mutex.
    private let fd = Mutex<Int32?>(nil)

    /// The size past which the first append rewrites the file (`compact(path:threshold:)`).
    let compactionThreshold: Int

    init(stateDir: String, compactionThreshold: Int = ResultLedger.compactionThreshold) {
      path = ResultLedger.path(stateDir: stateDir)
      self.compactionThreshold = compactionThreshold
    }

    deinit { fd.withLock { if let open = $0, open >= 0 { Posix.closeQuietly(open) } } }

    /// Appends the results of `entries` (those with a job and a checksum), one line each, best
    /// effort: a failure to write is ignored.
    func note(_ entries: [LockEntry]) { note(entries.map { (nil, $0) }) }

    /// `note`, with the output each result was installed at.
    func note(_ located: [(output: String?, entry: LockEntry)]) {
      let lines = ResultLedger.lines(located)
      guard !lines.isEmpty else { return }
      let (path, compactionThreshold) = (path, compactionThreshold)
      fd.withLock { fd in
        if fd == nil {
          ResultLedger.compact(path: path, threshold: compactionThreshold)
          // Never blocks (a FIFO with no reader) and writes only to a regular file, as `load` reads.
          var opened = Posix.open(
            path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, Posix.fileMode)
          var info = stat()
          if opened >= 0, fstat(opened, &info) != 0 || info.st_mode & S_IFMT != S_IFREG {
            Posix.closeQuietly(opened)
            opened = -1
          }
          fd = opened
        }
        guard let open = fd, open >= 0 else { return }
        try? Posix.writeFully(open, lines, path: path)
      }
    }
  }

  /// One line per distinct result of `entries` with a job and a checksum.
  static func lines(_ entries: [LockEntry]) -> [UInt8] { lines(entries.map { (nil, $0) }) }

  /// `lines`, one per result and output it was installed at.
  static func lines(_ located: [(output: String?, entry: LockEntry)]) -> [UInt8] {
    var lines: [UInt8] = []
    var seen: Set<String> = []
    for (output, entry) in located {
      guard let sha256 = entry.sha256, let jobId = entry.jobId,
        seen.insert(sha256 + "\n" + (output ?? "")).inserted
      else { continue }
      var fields = [
        "sha256": sha256, "jobId": jobId, "targetImage": entry.targetImage, "swapImage": entry.swapImage,
      ]
      fields["quota"] = entry.quota.map(String.init)
      fields["size"] = entry.size.map(String.init)
      fields["submittedAt"] = entry.submittedAt
      fields["finishedAt"] = entry.finishedAt
      fields["output"] = output
      lines += CompactJSON.object(fields)
      lines.append(0x0A)
    }
    return lines
  }

  /// The results recorded under `stateDir`, by SHA-256 (two pairs may give the same bytes: each
  /// is kept, the latest line of a pair last); empty when there are none.
  ///
  /// Read only when a regular file (a FIFO would block, a link is not followed) of at most
  /// `sizeLimit` bytes: an answer nobody needs is not worth a long wait.
  static func load(stateDir: String) -> [String: [Known]] {
    var info = stat()
    guard lstat(path(stateDir: stateDir), &info) == 0, info.st_mode & S_IFMT == S_IFREG,
      info.st_size <= sizeLimit,
      let bytes = try? LockfileCodec.readBytes(path: path(stateDir: stateDir), flags: O_NOFOLLOW | O_NONBLOCK)
    else {
      return [:]
    }
    var known: [String: [Known]] = [:]
    var urls: Set<String> = []
    for line in bytes.split(separator: 0x0A) {
      guard case .object(let members)? = try? JSONParser.parse(Array(line)) else { continue }
      var fields: [String: String] = [:]
      for member in members { if case .string(let text) = member.value { fields[member.key] = text } }
      guard let sha256 = fields["sha256"], let jobId = fields["jobId"], let target = fields["targetImage"],
        let face = fields["swapImage"]
      else { continue }
      let result = Known(
        jobId: jobId, pair: SwapPair(targetImage: target, swapImage: face),
        quota: fields["quota"].flatMap { Int($0) },
        submittedAt: fields["submittedAt"], finishedAt: fields["finishedAt"],
        size: fields["size"].flatMap { Int($0) },
        // An output path breaking the manifest's rules (`..`, the state folder) is not looked at.
        outputs: fields["output"].flatMap { OutputPath.problem(with: $0) == nil ? [$0] : nil } ?? [])
      // What goes into a lockfile from here must pass the lockfile's own rules (a job id that is
      // a path, a time that is not one, a bad checksum): a line that does not is not trusted.
      var record = LockEntry(targetImage: target, swapImage: face, state: .done, jobId: jobId)
      (record.sha256, record.size, record.imageType) = (sha256, result.size ?? 0, ImageType.png.rawValue)
      (record.quota, record.submittedAt, record.finishedAt) = (
        result.quota, result.submittedAt, result.finishedAt
      )
      guard
        (try? LockEntryRules.check(record, at: .init(output: "ledger", inJournal: true), knownURLs: &urls))
          != nil
      else { continue }
      // A later line wins, but the places of earlier ones are kept after its own.
      var latest = result
      if let earlier = known[sha256]?.first(where: { $0.pair == result.pair }) {
        latest.outputs += earlier.outputs.filter { !latest.outputs.contains($0) }
      }
      known[sha256, default: []].removeAll { $0.pair == result.pair }
      known[sha256, default: []].append(latest)
    }
    return known
  }
}
