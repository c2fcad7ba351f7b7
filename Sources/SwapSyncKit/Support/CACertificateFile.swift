#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `--cacert` file, checked with the arguments (docs/exit-codes.md: a usage error, 64).
///
/// libcurl reads the file only when the first TLS connection starts. Unchecked, a mistyped path
/// would pass unnoticed by a run with nothing to do, and fail a run with work as a TLS failure
/// (69) that tells the user to pass the very option they passed.
public enum CACertificateFile {
  /// Nil when `path` names a regular file (or a link to one) that can be read; otherwise why
  /// not, naming the option and the file.
  public static func problem(at path: String) -> String? {
    let fd = Posix.open(path, O_RDONLY | O_NONBLOCK)
    guard fd >= 0 else {
      let code = errno
      if code == ENOENT { return "--cacert \(path): no such file; name a PEM file of the CAs to trust" }
      return "--cacert \(path): cannot be read: \(Posix.message(code))"
    }
    defer { Posix.closeQuietly(fd) }
    let (info, code) = Posix.fileStatus(fd)
    guard let info else { return "--cacert \(path): cannot be read: \(Posix.message(code))" }
    if Posix.isKind(info, S_IFDIR) {
      return "--cacert \(path): is a folder; name a PEM file of the CAs to trust"
    }
    guard Posix.isKind(info, S_IFREG) else {
      return "--cacert \(path): is not a regular file; name a PEM file of the CAs to trust"
    }
    var byte: UInt8 = 0
    guard Posix.retrying({ read(fd, &byte, 1) }) >= 0 else {
      return "--cacert \(path): cannot be read: \(Posix.message(errno))"
    }
    return nil
  }
}
