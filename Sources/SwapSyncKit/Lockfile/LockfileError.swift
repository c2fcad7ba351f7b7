/// A lockfile or journal that cannot be understood; the CLI reports it with exit code 65.
public enum LockfileError: Error, CustomStringConvertible, Equatable, Sendable {
  /// Not JSON at all (or empty). `detail` carries the parser's position where it has one.
  case malformed(path: String, detail: String)
  /// Valid JSON syntax with a problem at one place: a key given twice (often a bad merge) or a
  /// key a lockfile does not have. `detail` says what is wrong there.
  case located(path: String, line: Int, column: Int, detail: String)
  /// A `version` this build does not understand.
  case unsupportedVersion(path: String, version: Int)
  /// Valid JSON with a wrong field: `field` is like `entries["a/b.jpg"].state`.
  case invalid(path: String, field: String, detail: String)
  /// A journal line other than a torn final one does not decode.
  case corruptJournal(path: String, line: Int, detail: String)
  /// The file exists but cannot be read (permissions, I/O error).
  case unreadable(path: String, errno: Int32)

  /// The file the error is about.
  public var path: String {
    switch self {
    case .malformed(let path, _), .located(let path, _, _, _), .unsupportedVersion(let path, _),
      .invalid(let path, _, _),
      .corruptJournal(let path, _, _), .unreadable(let path, _):
      return path
    }
  }

  public var description: String {
    switch self {
    case .malformed(let path, let detail):
      return "\(path): not a valid lockfile: \(detail). Restore it from version control"
    case .located(let path, let line, let column, let detail):
      return "\(path): line \(line), column \(column): \(detail)"
    case .unsupportedVersion(let path, let version):
      return "\(path): lockfile version \(version) is not supported (this swapsync understands "
        + "version \(Lockfile.currentVersion)); use a newer swapsync"
    case .invalid(let path, let field, let detail):
      return "\(path): \(field): \(detail)"
    case .corruptJournal(let path, let line, let detail):
      return "\(path): line \(line) is corrupt (\(detail)). The journal holds facts not yet in the "
        + "lockfile (paid job ids); inspect it, repair or delete that line, then run again"
    case .unreadable(let path, let code):
      return "\(path): cannot read: \(Posix.message(code))"
    }
  }
}
