/// Why a run could not take the output folder's run lock.
public enum RunLockError: Error, CustomStringConvertible, Equatable, Sendable {
  /// Another process holds the lock (CLI exit 75). `path` is the output folder; `pid` is nil
  /// when the holder has not written it yet.
  case heldBy(pid: Int32?, path: String)
  /// The lock file could not be created or locked (CLI exit 73).
  case fileSystem(FileSystemError)

  public var description: String {
    switch self {
    case .heldBy(let pid, let path):
      let who = pid.map { "another swapsync run (pid \($0))" } ?? "another swapsync run"
      return "\(who) is using \(path); wait for it to finish"
    case .fileSystem(let error):
      return error.description
    }
  }
}
