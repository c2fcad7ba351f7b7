/// What an install does with a regular file already at an output (docs/safety.md, "Files
/// swapsync did not write" and "Replaced files"). Decided by `Planner.replacement(of:record:pair:)`.
enum Replacement: Sendable, Equatable {
  /// Not swapsync's to replace: the output is skipped and the file stays (`untracked`).
  case leave
  /// swapsync's own bytes (the output's record names them): replaced.
  case replace
  /// Not the recorded result, but the output is one swapsync repairs (`modified`): the bytes are
  /// kept in `.swapsync/replaced/` (`OutputFolder.keepAside`), then replaced.
  case keepAsideAndReplace
}
