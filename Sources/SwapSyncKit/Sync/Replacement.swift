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
