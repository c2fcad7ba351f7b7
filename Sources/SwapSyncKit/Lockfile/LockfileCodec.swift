import Crypto
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads and writes the committed lockfile in its one deterministic form.
public enum LockfileCodec {
  /// The canonical bytes of `lock`: sorted keys, pretty-printed, unescaped slashes, absent
  /// optionals omitted, trailing newline. The same value always gives the same bytes.
  ///
  /// The bytes are those `JSONEncoder` gives for the whole value (`.sortedKeys`, `.prettyPrinted`,
  /// `.withoutEscapingSlashes`; keys in UTF-8 byte order), but each entry is encoded on its own
  /// and indented into place: encoding 100,000 entries at once built an intermediate tree of
  /// about 150 MiB, the largest allocation of a big first sync. `LockfileCodecTests` checks the
  /// two give the same bytes.
  ///
  /// Encoding these types cannot fail in practice (no floating-point values); the error exists
  /// so that an impossible failure can never turn into an empty lockfile.
  public static func encode(_ lock: Lockfile) throws(FileSystemError) -> [UInt8] {
    var bytes: [UInt8] = []
    try encode(lock) { piece throws(FileSystemError) in bytes += piece }
    return bytes
  }

  /// The bytes of `encode(_:)`, handed to `emit` in order in pieces of about 256 KiB: a
  /// 100,000-entry lockfile (47 MB) is never one buffer.
  public static func encode(_ lock: Lockfile, emit: ([UInt8]) throws(FileSystemError) -> Void)
    throws(FileSystemError)
  {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    if lock.entries.isEmpty {
      try emit(encoded(lock, with: encoder) + [0x0A])
      return
    }
    let pieceSize = 256 << 10
    var bytes = Array("{\n  \"entries\" : {".utf8)
    bytes.reserveCapacity(pieceSize + 4 << 10)
    let outputs = lock.entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    for (index, output) in outputs.enumerated() {
      bytes += Array((index == 0 ? "\n    " : ",\n    ").utf8)
      bytes += try encoded(output, with: encoder)
      bytes += Array(" : ".utf8)
      for byte in try encoded(lock.entries[output], with: encoder) {
        bytes.append(byte)
        if byte == 0x0A { bytes += Array("    ".utf8) }  // a newline only ever separates members
      }
      if bytes.count >= pieceSize {
        try emit(bytes)
        bytes.removeAll(keepingCapacity: true)
      }
    }
    bytes += Array("\n  },\n  \"version\" : \(lock.version)\n}\n".utf8)
    try emit(bytes)
  }

  /// `value` as JSON. Encoding these types cannot fail in practice (no floating-point values).
  private static func encoded(_ value: some Encodable, with encoder: JSONEncoder) throws(FileSystemError)
    -> [UInt8]
  {
    do {
      return [UInt8](try encoder.encode(value))
    } catch {
      throw .encoding(path: "lockfile", detail: String(describing: error))
    }
  }

  /// Decodes a lockfile with the manifest's located JSON parser, checking the version first.
  /// Errors name `path` and the line and column or the field: syntax errors, duplicate keys (a
  /// bad merge), unknown keys, missing or mistyped fields, values in a form swapsync never writes.
  public static func decode(_ bytes: [UInt8], path: String) throws(LockfileError) -> Lockfile {
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      throw .malformed(path: path, detail: "the file is empty")
    }
    let root: JSONValue
    do {
      root = try JSONParser.parse(bytes)
    } catch {
      throw syntaxError(error, path: path)
    }
    let version: Int?
    do {
      version = try LockfileReader.version(of: root)
    } catch {
      throw describe(error, path: path, bytes: bytes)
    }
    guard let version else {
      throw .invalid(path: path, field: "version", detail: "missing")
    }
    guard version == Lockfile.currentVersion else {
      throw .unsupportedVersion(path: path, version: version)
    }
    do {
      return try LockfileReader.lockfile(root)
    } catch {
      throw describe(error, path: path, bytes: bytes)
    }
  }

  /// Reads and decodes the lockfile at `path`; nil when there is no such file.
  public static func read(path: String) throws(LockfileError) -> Lockfile? {
    guard let bytes = try readBytes(path: path) else { return nil }
    return try decode(bytes, path: path)
  }

  /// The whole file at `path`, or nil when there is no such file.
  static func readBytes(path: String, flags: Int32 = 0) throws(LockfileError) -> [UInt8]? {
    let fd = Posix.open(path, O_RDONLY | flags)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw .unreadable(path: path, errno: errno)
    }
    defer { Posix.closeQuietly(fd) }
    do {
      return try Posix.readToEnd(fd, path: path)
    } catch {
      if case .io(_, _, let code) = error { throw .unreadable(path: path, errno: code) }
      throw .unreadable(path: path, errno: EIO)
    }
  }

  /// Encodes `lock` into `path` atomically and durably, piece by piece (see
  /// `AtomicFile.write(to:unlessDigest:_:)`), unless the bytes' SHA-256 is `unchanged`: then the
  /// file is left untouched. Returns the digest of the bytes, to pass as `unchanged` next time.
  public static func write(_ lock: Lockfile, to path: String, unlessDigest unchanged: SHA256.Digest?)
    throws(FileSystemError) -> SHA256.Digest
  {
    do {
      return try AtomicFile.write(to: path, unlessDigest: unchanged) { write throws(FileSystemError) in
        try encode(lock, emit: write)
      }.digest
    } catch {
      if case .encoding(_, let detail) = error { throw .encoding(path: path, detail: detail) }
      throw error
    }
  }

  /// A parser error as a lockfile error: a duplicate key at its place, anything else as invalid JSON.
  static func syntaxError(_ error: JSONSyntaxError, path: String) -> LockfileError {
    if error.isMergeConflict {
      return .located(path: path, line: error.line, column: error.column, detail: error.message)
    }
    guard error.isDuplicateKey else {
      return .malformed(path: path, detail: "invalid JSON at \(error.location): \(error.message)")
    }
    return .located(
      path: path, line: error.line, column: error.column,
      detail: "\(error.message); keep one of the two (a merge may have kept both sides)")
  }

  /// A problem in valid JSON as a lockfile error; an unknown key or a bad value with its line and
  /// column (the place of the value's key).
  static func describe(_ problem: LockReadProblem, path: String, bytes: [UInt8]) -> LockfileError {
    switch problem {
    case .field(let field, let detail):
      return .invalid(path: path, field: field, detail: detail)
    case .unknownKey(let keyPath, let field, let detail):
      guard let (line, column) = JSONParser.position(ofKey: keyPath, in: bytes) else {
        return .invalid(path: path, field: field, detail: detail)
      }
      return .located(path: path, line: line, column: column, detail: detail)
    case .value(let keyPath, let field, let detail):
      guard let (line, column) = JSONParser.position(ofKey: keyPath, in: bytes) else {
        return .invalid(path: path, field: field, detail: detail)
      }
      return .located(path: path, line: line, column: column, detail: "\(field): \(detail)")
    }
  }
}
