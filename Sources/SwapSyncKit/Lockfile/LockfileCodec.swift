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
  /// Encoding these types cannot fail in practice (no floating-point values); the error exists
  /// so that an impossible failure can never turn into an empty lockfile.
  public static func encode(_ lock: Lockfile) throws(FileSystemError) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    do {
      var bytes = [UInt8](try encoder.encode(lock))
      bytes.append(0x0A)
      return bytes
    } catch {
      throw .encoding(path: "lockfile", detail: String(describing: error))
    }
  }

  /// Decodes a lockfile, checking the version first. Errors name `path` and the bad field.
  public static func decode(_ bytes: [UInt8], path: String) throws(LockfileError) -> Lockfile {
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
      throw .malformed(path: path, detail: "the file is empty")
    }
    let data = Data(bytes)
    let decoder = JSONDecoder()
    let probe: VersionProbe
    do {
      probe = try decoder.decode(VersionProbe.self, from: data)
    } catch {
      throw describe(error, path: path, bytes: bytes, keyDepth: 1)
    }
    guard let version = probe.version else {
      throw .invalid(path: path, field: "version", detail: "missing")
    }
    guard version == Lockfile.currentVersion else {
      throw .unsupportedVersion(path: path, version: version)
    }
    do {
      return try decoder.decode(Lockfile.self, from: data)
    } catch {
      throw describe(error, path: path, bytes: bytes, keyDepth: 1)
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

  /// Encodes `lock` and replaces `path` atomically and durably (see `AtomicFile.write`).
  public static func write(_ lock: Lockfile, to path: String) throws(FileSystemError) {
    let bytes: [UInt8]
    do {
      bytes = try encode(lock)
    } catch {
      if case .encoding(_, let detail) = error { throw .encoding(path: path, detail: detail) }
      throw error
    }
    try AtomicFile.write(bytes, to: path)
  }

  private struct VersionProbe: Decodable {
    var version: Int?
  }

  /// Turns a `DecodingError` into a message naming the field and what is wrong with it.
  /// `keyDepth` is the coding-path position of output-path keys (always shown in brackets).
  static func describe(_ error: any Error, path: String, bytes: [UInt8], keyDepth: Int) -> LockfileError {
    guard let error = error as? DecodingError else {
      return .malformed(path: path, detail: String(describing: error))
    }
    switch error {
    case .dataCorrupted(let context) where context.codingPath.isEmpty:
      return .malformed(path: path, detail: syntaxDetail(bytes))
    case .dataCorrupted(let context):
      let field = fieldName(context.codingPath, keyDepth: keyDepth)
      if context.codingPath.last?.stringValue == "state" {
        let known = EntryState.allCases.map(\.rawValue).joined(separator: ", ")
        return .invalid(
          path: path, field: field,
          detail: "unknown state (expected one of \(known)): \(context.debugDescription)")
      }
      return .invalid(path: path, field: field, detail: context.debugDescription)
    case .keyNotFound(let key, let context):
      return .invalid(
        path: path, field: fieldName(context.codingPath + [key], keyDepth: keyDepth), detail: "missing")
    case .typeMismatch(let type, let context):
      return .invalid(
        path: path, field: fieldName(context.codingPath, keyDepth: keyDepth),
        detail: "expected \(typeName(type))")
    case .valueNotFound(let type, let context):
      return .invalid(
        path: path, field: fieldName(context.codingPath, keyDepth: keyDepth),
        detail: "expected \(typeName(type)), found null")
    @unknown default:
      return .malformed(path: path, detail: String(describing: error))
    }
  }

  /// Where the JSON syntax breaks, as line and column (JSONDecoder does not say on Linux).
  static func syntaxDetail(_ bytes: [UInt8]) -> String {
    let error: NSError
    do {
      _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
      return "invalid JSON"
    } catch let caught as NSError {
      error = caught
    }
    let debug = (error.userInfo[NSDebugDescriptionErrorKey] as? String) ?? error.localizedDescription
    guard let range = debug.range(of: "character "),
      let offset = Int(debug[range.upperBound...].prefix(while: \.isNumber)), offset <= bytes.count
    else {
      return "invalid JSON (\(debug))"
    }
    let before = bytes[..<offset]
    let line = before.filter { $0 == 0x0A }.count + 1
    let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
    let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
    return "invalid JSON at line \(line), column \(column)"
  }

  /// `entries["alice/beach.jpg"].state` style names for coding paths.
  static func fieldName(_ path: [any CodingKey], keyDepth: Int) -> String {
    var result = ""
    for (depth, key) in path.enumerated() {
      let name = key.stringValue
      if depth == keyDepth {
        result += "[\"\(name)\"]"
      } else if let index = key.intValue {
        result += "[\(index)]"
      } else if !name.isEmpty && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
        result += (result.isEmpty ? "" : ".") + name
      } else {
        result += "[\"\(name)\"]"
      }
    }
    return result.isEmpty ? "(top level)" : result
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type: return "an integer"
    case is Bool.Type: return "true or false"
    default:
      let name = String(describing: type)
      return name.hasPrefix("Dictionary") ? "an object" : name.hasPrefix("Array") ? "an array" : name
    }
  }
}
