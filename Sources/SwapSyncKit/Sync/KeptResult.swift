/// A result already in the output folder, found by the planner: kept in `.swapsync/replaced/`
/// by an earlier install (docs/safety.md, "Replaced files are kept"), or standing at another
/// output. It is the output's own recorded result (a branch switched back, a repair), or a paid
/// result for the output's inputs whose job the results ledger or another record names. A run
/// puts it back instead of downloading or buying it.
public final class KeptResult: Sendable {
  /// For inputs changed back: the purchase that made it (`ResultLedger`), whose record the
  /// output gets back. Nil for the output's own recorded result.
  public let known: ResultLedger.Known?
  /// Its bytes, as hashed when it was found.
  public let digest: FileDigest
  /// Its path relative to the output folder, for `plan`: `.swapsync/replaced/…`, or an output's
  /// own path for a result that stands unrecorded at another output of the pair
  /// (`Planner.liveResult`).
  public let path: String

  public init(known: ResultLedger.Known?, digest: FileDigest, path: String) {
    self.known = known
    self.digest = digest
    self.path = path
  }

  /// The record an output of `known.pair` gets back: the buying run's, byte for byte
  /// (`Lifecycle`'s `recognized`). Nil for the output's own recorded result.
  var record: LockEntry? {
    guard let known else { return nil }
    return try? Lifecycle.apply(known.recognizing(verified), to: nil, pair: known.pair)
  }

  var verified: VerifiedResult {
    VerifiedResult(sha256: digest.sha256, size: digest.size, imageType: digest.type ?? .png)
  }
}

extension JobPlan {
  /// Makes this plan a restore from `kept`: with the purchase's record as `current` when `kept`
  /// names one (inputs changed back, a lost entry), else the output's own `current` (a repair).
  mutating func restore(from kept: KeptResult) {
    if let record = kept.record { current = record }
    self.kept = kept
    action = .restore(jobId: current?.jobId ?? "", copyFrom: kept.path)
  }
}

extension LockEntry {
  /// The bytes this record names (checksum, size and type), when it names them.
  var recordedDigest: FileDigest? {
    guard let sha256, let size else { return nil }
    return FileDigest(sha256: sha256, size: size, type: imageType.flatMap(ImageType.init(rawValue:)))
  }
}

extension ResultLedger.Known {
  /// The purchase `record` (a `lost` one, say) remembers: its job, inputs, quota and times.
  init(recordOf record: LockEntry, jobId: String) {
    self.init(
      jobId: jobId, pair: record.pair, quota: record.quota, submittedAt: record.submittedAt,
      finishedAt: record.finishedAt)
  }

  /// `verified`, a result swapsync installed for these inputs, recorded with its job and the
  /// buying run's quota and times (`Lifecycle`'s `recognized`).
  func recognizing(_ verified: VerifiedResult) -> LifecycleEvent {
    .recognized(
      verified, jobId: jobId, quota: quota, submittedAt: submittedAt,
      finishedAt: finishedAt ?? JobRunner.timestamp())
  }
}

extension Planner {
  /// The newest result known for `pair` (`FileView.knownResults`) that `.swapsync/replaced/`
  /// keeps for one of `outputs`: put back instead of buying the pair again.
  static func keptResult(for pair: SwapPair, outputs: [String], files: FileView) -> KeptResult? {
    for (sha256, known) in files.knownResults(pair) {
      // A line written before sizes were noted: nothing larger than an image may be is read.
      let sizes = known.size.map { $0...$0 } ?? 0...SyncOptions.defaultMaxImageSize
      if let copy = files.keptCopy(outputs, sha256, sizes),
        copy.digest.type != nil
      {
        return KeptResult(known: known, digest: copy.digest, path: copy.path)
      }
    }
    return nil
  }

  /// A result swapsync installed here for `pair` (`ResultLedger`: another branch's, or one a
  /// killed run left where it was) that still stands at an output: at one of `untracked` (outputs
  /// of the pair with a file this lockfile does not account for), at the output the ledger noted
  /// it at, or at any output of the manifest (`holders`). Copied from there to the pair's
  /// outputs instead of buying the pair again; the file itself stays as it is (an untracked one
  /// until `sync --adopt` records it with its job; at an output about to be replaced, it is read
  /// from `.swapsync/replaced/` once archived there, `JobRunner.restoreFromKept`).
  static func liveResult(
    for pair: SwapPair, among untracked: [String], files: FileView, holders: DigestHolders
  ) -> KeptResult? {
    for output in untracked {
      guard let known = files.known(output, pair), known.pair == pair, let digest = files.digest(output),
        digest.type != nil, known.size.map({ $0 == digest.size }) ?? true
      else { continue }
      return KeptResult(known: known, digest: digest, path: output)
    }
    for (sha256, known) in files.knownResults(pair) {
      // A noted output is hashed only when its size is the result's, and an image's.
      let noted = known.outputs.filter { output in
        guard case .present(let size) = files.probe(output), size <= SyncOptions.defaultMaxImageSize else {
          return false
        }
        return known.size.map { $0 == size } ?? true
      }
      for output in noted + holders.outputs(holding: sha256) {
        guard let digest = files.digest(output), digest.sha256 == sha256, digest.type != nil,
          digest.size <= SyncOptions.defaultMaxImageSize,
          known.size.map({ $0 == digest.size }) ?? true
        else { continue }
        return KeptResult(known: known, digest: digest, path: output)
      }
    }
    return nil
  }

  /// The outputs among `untracked` whose file the results ledger knows as the result of
  /// `jobId` for `pair`, and that result (the first one's file): the job a `running` record
  /// follows ended and its result was installed here by a run whose lockfile this is not.
  static func runningJobResult(_ jobId: String, pair: SwapPair, among untracked: [String], files: FileView)
    -> ([String], KeptResult)?
  {
    var holding: [String] = []
    var result: KeptResult?
    for output in untracked {
      guard let known = files.known(output, pair), known.jobId == jobId, known.pair == pair,
        let digest = files.digest(output), digest.type != nil, known.size.map({ $0 == digest.size }) ?? true
      else { continue }
      holding.append(output)
      result = result ?? KeptResult(known: known, digest: digest, path: output)
    }
    return result.map { (holding, $0) }
  }

  /// The first of `candidates` (outputs, each with a record of this pair) whose file is still
  /// that record's result: copied from there to the pair's outputs, with the record of the run
  /// that bought it, instead of buying it again. The candidates are outputs the manifest now
  /// names with other inputs, with their `done` records (`Planner.sources`): at run time, once
  /// such an output's new result has replaced it, it is read from `.swapsync/replaced/`, where
  /// the replacing install archived it (`JobRunner.restoreFromKept`), so two outputs can swap
  /// their inputs for nothing. Or the pair's outputs with its `lost` record, whose bytes the user
  /// or a checkout put back: recorded `done` again, bought again by no one.
  static func resultInPlace(_ candidates: [(output: String, entry: LockEntry)], files: FileView)
    -> KeptResult?
  {
    for (output, record) in candidates where files.check(output, record) == .matches {
      guard let jobId = record.jobId, let digest = record.recordedDigest else { continue }
      return KeptResult(
        known: ResultLedger.Known(recordOf: record, jobId: jobId), digest: digest, path: output)
    }
    return nil
  }

  /// The bytes of the `done` `record` at an output of the manifest other than `excluding`
  /// (`holders`): put back from there instead of downloaded (read from `.swapsync/replaced/`
  /// if that output's own result replaced them meanwhile). Only where the file there is what the
  /// record says in every respect, and known as a result of the record's inputs (the holder's
  /// record says so, or the results ledger): a record edited to another output's checksum (a
  /// bad merge) is restored from its own job, which says what is wrong, never copied from there.
  static func heldResult(
    of record: LockEntry, excluding outputs: [String], holders: DigestHolders, lock: Lockfile, files: FileView
  ) -> KeptResult? {
    guard record.state == .done, record.adopted != true, let digest = record.recordedDigest else {
      return nil
    }
    let forThesePairs = { (output: String) -> Bool in
      if let own = lock.entries[output], own.pair == record.pair, own.sha256 == digest.sha256 { return true }
      return files.knownResults(record.pair).contains { $0.sha256 == digest.sha256 }
    }
    guard
      let holder = holders.outputs(holding: digest.sha256).first(where: {
        !outputs.contains($0) && files.digest($0) == digest && forThesePairs($0)
      })
    else { return nil }
    return KeptResult(known: nil, digest: digest, path: holder)
  }

  /// The result `record` names (`done`, or `lost` once its job was forgotten), kept in
  /// `.swapsync/replaced/` for one of `outputs`: put back instead of downloading it again, or
  /// of buying it again. A `lost` one is recorded `done` again with its job (`recognized`).
  static func keptResult(of record: LockEntry, outputs: [String], files: FileView) -> KeptResult? {
    guard let jobId = record.jobId, record.adopted != true, let sha256 = record.sha256,
      let size = record.size,
      let copy = files.keptCopy(outputs, sha256, size...size), copy.digest.type != nil
    else { return nil }
    let known = record.state == .done ? nil : ResultLedger.Known(recordOf: record, jobId: jobId)
    return KeptResult(known: known, digest: copy.digest, path: copy.path)
  }
}

/// The manifest's outputs by the SHA-256 of the file each holds, built the first time a result
/// is looked for among them (`Planner.liveResult`): a run with nothing to buy hashes nothing for it.
final class DigestHolders {
  private let manifest: Manifest
  private let files: FileView
  private var index: [String: [String]]?

  init(manifest: Manifest, files: FileView) {
    self.manifest = manifest
    self.files = files
  }

  func outputs(holding sha256: String) -> [String] {
    if index == nil {
      var built: [String: [String]] = [:]
      for entry in manifest.entries {
        if let digest = files.digest(entry.output) { built[digest.sha256, default: []].append(entry.output) }
      }
      index = built
    }
    return index?[sha256] ?? []
  }
}
