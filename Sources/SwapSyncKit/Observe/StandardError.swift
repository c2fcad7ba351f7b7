import SystemPackage

/// Text for a human on stderr, written with `write(2)` (swift-system's `FileDescriptor.writeAll`).
/// A stderr that cannot take it (a full disk, `/dev/full`, a closed pipe: SIGPIPE is ignored) loses
/// the text and nothing else: the run goes on and ends with its own exit status, and `--json`
/// still prints its summary on stdout (docs/exit-codes.md). Foundation's `FileHandle.write`
/// stops the process on such an error instead.
public enum StandardError {
  public static func write(_ text: String) {
    guard !text.isEmpty else { return }
    _ = try? FileDescriptor.standardError.writeAll(text.utf8)
  }
}
