/// What an install does with a regular file already at an output (docs/safety.md, "Files
/// swapsync did not write" and "Replaced files are kept"). Decided by
/// `Planner.replacement(of:record:pair:)`.
enum Replacement: Sendable, Equatable {
  /// Not swapsync's to replace: the output is skipped and the file stays (`untracked`).
  case leave
  /// The bytes being installed, or a result renamed into place before a crash: replaced.
  case replace
  /// A paid result for the output's old inputs (a `stale` output): kept in `.swapsync/replaced/`
  /// (`OutputFolder.keepAside`), where a change back to those inputs finds it, then replaced.
  case archive
  /// Not the recorded result, but the output is one swapsync repairs (`modified`): kept in
  /// `.swapsync/replaced/`, then replaced, and the run says where.
  case keepAside

  /// Whether the file is kept before it is replaced.
  var keeps: Bool { self == .archive || self == .keepAside }
}

extension Planner {
  /// What an install of the bytes `installing` (a SHA-256) for `pair` does with a file with
  /// `digest` found at an output, judged from the output's record before this install:
  /// - with an adopted record, the file is the user's: `.leave` (never replaced);
  /// - the bytes being installed, or the bytes the record names, are swapsync's own: replaced,
  ///   but a paid result for other inputs (a stale output's old file, still named by the record
  ///   of the job bought for its new inputs) is archived in `.swapsync/replaced/` first;
  /// - any other bytes at a downloaded `done` output of `pair` make it `modified`: it is
  ///   repaired (docs/states.md), its bytes kept in `.swapsync/replaced/` first;
  /// - a result swapsync installed here for other inputs (`knownElsewhere`, from the results
  ///   ledger: another branch's) is archived;
  /// - anything else, such as a file the user dropped there while the job ran: `.leave`.
  static func replacement(
    of digest: FileDigest, installing sha256: String, record: LockEntry?, pair: SwapPair,
    knownElsewhere: Bool = false
  ) -> Replacement {
    guard let record else { return knownElsewhere ? .archive : .leave }
    if record.adopted == true { return .leave }
    if digest.sha256 == sha256 { return .replace }
    if record.sha256 == digest.sha256 {
      return record.jobId != nil && (record.pair != pair || record.state == .running) ? .archive : .replace
    }
    if record.pair == pair && record.state == .done { return .keepAside }
    return knownElsewhere ? .archive : .leave
  }
}
