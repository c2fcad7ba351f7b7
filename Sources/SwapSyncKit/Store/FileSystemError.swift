#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A failure to read or write a file swapsync owns; the CLI reports it with exit code 73.
public enum FileSystemError: Error, CustomStringConvertible, Equatable, Sendable {
  /// A system call failed. `operation` is a verb ("write", "rename", "sync", ...).
  case io(operation: String, path: String, errno: Int32)
  /// A path component is a symbolic link; swapsync never follows links inside the output folder.
  case symlinkRefused(path: String)
  /// Something that is not a folder sits where a folder is needed.
  case notADirectory(path: String)
  /// A folder or special file sits where a regular file is needed.
  case notARegularFile(path: String)
  /// The path would leave the output folder (absolute, `..`, or inside `.swapsync/`).
  case outsideRoot(path: String)
  /// The bytes to write could not be produced (JSON encoding failed).
  case encoding(path: String, detail: String)
  /// The file at an output changed between the moment swapsync kept its bytes and the moment it
  /// was to be replaced (someone saved it meanwhile): it was left as it is.
  case changed(path: String)

  /// The path the error is about.
  public var path: String {
    switch self {
    case .io(_, let path, _), .symlinkRefused(let path), .notADirectory(let path),
      .notARegularFile(let path), .outsideRoot(let path), .encoding(let path, _), .changed(let path):
      return path
    }
  }

  public var description: String {
    switch self {
    case .io(let operation, let path, let code):
      return "cannot \(operation) \(path): \(Posix.message(code))"
    case .symlinkRefused(let path):
      return "\(path) is a symbolic link; swapsync never follows links inside the output folder. "
        + "Replace it with a real folder or file"
    case .notADirectory(let path):
      return "\(path) is not a folder; move it out of the way"
    case .notARegularFile(let path):
      return "\(path) is not a regular file (a folder or special file is in the way); move it out of the way"
    case .outsideRoot(let path):
      return "\(path) is outside the output folder (or inside its .swapsync/ state folder); refusing"
    case .encoding(let path, let detail):
      return "cannot encode \(path): \(detail)"
    case .changed(let path):
      return
        "\(path) changed while swapsync was replacing it, so it was left as it is; run `swapsync sync` again"
    }
  }
}
