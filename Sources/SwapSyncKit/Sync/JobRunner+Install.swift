import Foundation

/// Putting a verified result in place: the install intent is journaled first, the file is
/// fsynced and renamed over nothing swapsync did not write, then `done` is recorded
/// (docs/safety.md).
extension JobRunner {
  /// Moves the verified download into place for every pending output, then records `done`.
  func install(
    _ plan: JobPlan, temp: TempFile, result: DownloadResult, type: ImageType, snapshot: JobSnapshot
  ) async throws {
    // A restore re-downloads a result paid for in an earlier run: no quota spent now.
    var restoring = false
    if case .restore = plan.action { restoring = true }
    let verified = VerifiedResult(sha256: result.sha256, size: result.size, imageType: type)
    // What each output held before this result: only a file of swapsync's own is replaced.
    let before = await records(plan.pending)
    let intent: JournalMark?
    do {
      // Intent before side effect: a crash after the rename leaves a file known to be ours. The
      // rename waits for the intent to be durable; the file's own fsync runs meanwhile.
      let event = LifecycleEvent.installIntended(verified)
      intent = try await store.record(
        try await proposed(plan, event), cause: Lifecycle.kind(of: event).rawValue, waiting: false)
    } catch {
      folder.discard(temp)
      throw error
    }
    let (pair, records) = (plan.pair, before)
    var plan = plan
    // A first install skips what appeared in the way while its job ran (the output becomes
    // `untracked`); a restore of a recorded output stops on it (exit 73, docs/safety.md).
    let installed = try await installFile(
      temp, at: plan.pending, after: intent, skippingWhatIsInTheWay: !restoring
    ) { output, digest in
      replacement(of: digest, installing: verified.sha256, record: records[output] ?? nil, pair: pair)
    }
    plan.pending = installed.written
    await warnKeptAside(installed.kept, restoredBy: "the result of job \(snapshot.jobId)")
    for output in records.keys.sorted() where !plan.pending.contains(output) {
      // Its record keeps the job and the result's checksum (the intent): what is in the way
      // makes it `untracked`, and once that is moved away the next run installs the result.
      var found =
        "a file swapsync did not write appeared here while job \(snapshot.jobId) ran; it was not replaced"
      if case .blocked(let what) = OutputFiles.probe(root: folder.rootPath, output) {
        found = "\(what) (it appeared while job \(snapshot.jobId) ran); nothing was written through it"
      }
      await warn(
        "\(output): \(found). Move it away and run `swapsync sync` again to install the result (already paid)"
      )
    }
    guard !plan.pending.isEmpty else { return }
    rememberInstalled(plan.pending, verified)
    // Nothing acts on the done record: the next run re-checks an installed file whose record
    // a power loss took.
    let done = try await transition(
      plan, .resultInstalled(verified, jobId: snapshot.jobId, quota: snapshot.quota, at: Self.timestamp()),
      waiting: false)
    await tally.update {
      $0.downloaded += 1
      $0.copied += plan.pending.count - 1
      if !restoring && !plan.paidBefore { $0.quotaSpent += done?.quota ?? 0 }
    }
    for output in plan.pending where !type.matches(extension: (output as NSString).pathExtension) {
      await warn(
        "\(output): the service returned a \(type.rawValue) image; the file extension does not say so")
    }
  }

  /// Restores outputs from a verified sibling with the same job: no network at all.
  ///
  /// The record comes first: a crash before the copies leaves a `done` entry without its file,
  /// which the next run copies again (copies first would leave files with no record: `untracked`).
  func copy(_ plan: JobPlan, from source: String, entry: LockEntry) async throws {
    let before = await records(plan.pending)
    try await store.record(
      Dictionary(uniqueKeysWithValues: plan.pending.map { ($0, .some(entry)) }), cause: "copied")
    var kept: [KeptFile] = []
    // The source may be pending itself (its record was wrong, its file right): its record is all.
    for output in plan.pending where output != source {
      // What stands there is kept first when it is not the result (Planner.replacement).
      let found = try folder.hashWithStat(relativePath: output)
      if let (digest, _, file) = found {
        let decision = replacement(
          of: digest, installing: entry.sha256 ?? "", record: before[output] ?? nil, pair: plan.pair)
        if decision.keeps {
          let path = try folder.keepAside(output, digest: digest, file: file)
          kept.append(KeptFile(output: output, digest: digest, path: path, archived: decision == .archive))
        }
      }
      let occupant: OutputFolder.Occupant = found.map { .file($0.after) } ?? .nothing
      if let saved = try folder.installCopy(of: source, at: output, replacing: occupant).kept {
        kept.append(KeptFile(output: output, digest: nil, path: saved))
      }
    }
    await warnKeptAside(kept, restoredBy: "a copy of \(source)")
    await tally.update { $0.copied += plan.pending.count }
  }

  /// A file an install kept before replacing it (`OutputFolder.keepAside`).
  struct KeptFile: Sendable {
    var output: String
    /// Nil for a save made at the output at the very moment it was replaced (`install`).
    var digest: FileDigest?
    /// Where its bytes are now, under `.swapsync/replaced/`.
    var path: String
    /// A paid result for the output's old inputs (`Replacement.archive`): nothing to warn about.
    var archived = false
  }

  /// What `installFile` did: the outputs written, in order, and the files it kept first.
  struct InstalledFiles: Sendable {
    var written: [String] = []
    var kept: [KeptFile] = []
  }

  /// `Planner.replacement`, told from the results ledger whether `digest` is a result swapsync
  /// installed here for other inputs. Bytes to keep aside that are a result swapsync installed
  /// here (another branch's, switched back) are archived without a word: nothing of the user's.
  func replacement(of digest: FileDigest, installing sha256: String, record: LockEntry?, pair: SwapPair)
    -> Replacement
  {
    let decision = Planner.replacement(
      of: digest, installing: sha256, record: record, pair: pair,
      knownElsewhere: results?.knows(digest.sha256, forOtherThan: pair) ?? false)
    if decision == .keepAside, results?.knows(digest.sha256) == true { return .archive }
    return decision
  }

  /// The records of `outputs` now, before an install changes them: what decides whether a file
  /// found there is swapsync's to replace (`Planner.replacement`).
  func records(_ outputs: [String]) async -> [String: LockEntry?] {
    var records: [String: LockEntry?] = [:]
    for output in outputs { records[output] = .some(await store.entry(output)) }
    return records
  }

  /// Tells the user where the bytes of each repaired output went (an archived result only in
  /// the verbose log).
  func warnKeptAside(_ kept: [KeptFile], restoredBy what: String) async {
    for file in kept {
      if file.archived {
        logger.debug("\(file.output): the result for its old inputs is kept as \(file.path)")
        continue
      }
      guard let digest = file.digest else {
        await warn("\(file.output) was saved while swapsync replaced it; that save is kept as \(file.path)")
        continue
      }
      await warn(
        "\(file.output): its bytes (\(digest.size) bytes, sha256 \(digest.sha256.prefix(12))…) "
          + "were not the recorded result; they are kept as \(file.path), and \(what) was put back")
    }
  }

  /// Moves `temp` into place at the first of `outputs` (consuming it, also on failure) and
  /// copies it to the others, on the blocking-I/O threads (every step is fsynced). The rename
  /// waits until the journal's `intent` is durable. A regular file already at an output is
  /// handled as `replacement` decides from its digest: left (the output is skipped), replaced,
  /// or kept in `.swapsync/replaced/` (archived or kept aside) and then replaced; the rename
  /// replaces only the very file that was hashed (else `.changed`). A link, folder or special
  /// file at an output or where one of its folders goes is never written through: the output is
  /// skipped with `skippingWhatIsInTheWay`, else the install throws, naming it (exit 73).
  func installFile(
    _ temp: TempFile, at outputs: [String], after intent: JournalMark? = nil,
    skippingWhatIsInTheWay: Bool = false,
    replacement: @escaping @Sendable (String, FileDigest) -> Replacement
  ) async throws(FileSystemError) -> InstalledFiles {
    let folder = folder
    let store = store
    return try await BlockingIO.run { () throws(FileSystemError) -> InstalledFiles in
      var installed = InstalledFiles()
      // The file found at each output, by identity: the rename must replace that very file.
      var found: [String: (digest: FileDigest, file: FileStat, decision: Replacement)] = [:]
      for output in outputs {
        do throws(FileSystemError) {
          if let (digest, _, file) = try folder.hashWithStat(relativePath: output) {
            let decision = replacement(output, digest)
            if decision == .leave { continue }
            found[output] = (digest, file, decision)
          }
        } catch {
          switch error {
          case .symlinkRefused, .notADirectory, .notARegularFile, .outsideRoot:
            if skippingWhatIsInTheWay { continue }
            throw error
          case .io, .encoding, .changed:
            throw error
          }
        }
        installed.written.append(output)
      }
      guard let first = installed.written.first else {
        folder.discard(temp)
        return installed
      }
      do throws(FileSystemError) {
        // Kept before anything is replaced: a failure here leaves every output as it was.
        for output in installed.written {
          guard let (digest, file, decision) = found[output], decision.keeps else { continue }
          let path = try folder.keepAside(output, digest: digest, file: file)
          installed.kept.append(
            KeptFile(output: output, digest: digest, path: path, archived: decision == .archive))
        }
      } catch {
        folder.discard(temp)
        throw error
      }
      // Only what was hashed is replaced: nothing, or that very file (a save meanwhile is kept).
      func occupant(_ output: String) -> OutputFolder.Occupant {
        found[output].map { .file($0.file) } ?? .nothing
      }
      let saved = try folder.install(temp, at: first, replacing: occupant(first)) {
        () throws(FileSystemError) in
        if let intent { try store.waitBlocking(intent) }
      }
      if let saved { installed.kept.append(KeptFile(output: first, digest: nil, path: saved)) }
      for output in installed.written.dropFirst() {
        if let saved = try folder.installCopy(of: first, at: output, replacing: occupant(output)).kept {
          installed.kept.append(KeptFile(output: output, digest: nil, path: saved))
        }
      }
      return installed
    }
  }

  /// Tells the stat cache that `outputs` now hold `result`, hashed on its way into the file, so
  /// the run's final report does not read them back (`StatCache.installed`). Not for copies of
  /// a sibling: their bytes are not hashed on the way.
  func rememberInstalled(_ outputs: [String], _ result: VerifiedResult) {
    let digest = FileDigest(sha256: result.sha256, size: result.size, type: result.imageType)
    for output in outputs { statCache?.installed(output, digest: digest, in: folder) }
  }
}
