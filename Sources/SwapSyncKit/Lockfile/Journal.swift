import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The write-ahead journal: durable lockfile updates not yet folded into the lockfile.
///
/// JSON Lines; each line is one atomic batch `{"<output>": <LockEntry> | null, ...}` (null
/// removes the entry). Batches hold whole entry values, never deltas, so replaying a batch
/// twice is harmless. `append` returns only after the line is on stable storage: callers act
/// on a state change (send a submit, delete a file) only after `append` returned.
///
/// Only the process holding the run lock may create a `Journal`; read-only commands use
/// `replay(path:)`. Appends from concurrent tasks are serialized in call order of the lock.
public final class Journal: Sendable {
  /// The journal's path (`<output>/.swapsync/journal.jsonl`).
  public let path: String

  private struct State {
    var fd: Int32
    /// Bytes of complete records; a failed append is cut back to this length.
    var length: Int
    /// Set when the file's durable state is unknown (a failed fsync or an uncut partial write);
    /// every later append fails with it, because the next line could land after garbage.
    var broken: FileSystemError?
  }

  private let state: Mutex<State>

  /// Opens (creating it and its folder if needed) the journal for appending. A torn final line
  /// left by a crash is cut off so that new lines do not follow it.
  public init(path: String) throws(FileSystemError) {
    self.path = path
    let folder = Posix.directoryName(path)
    try Posix.makeDirectories(folder)
    var fd = Posix.open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW, Posix.fileMode)
    if fd >= 0 {
      let folderFD = try Posix.openDirectory(folder)
      defer { Posix.closeQuietly(folderFD) }
      do throws(FileSystemError) {
        try Posix.syncFile(folderFD, path: folder)
      } catch {
        Posix.closeQuietly(fd)
        throw error
      }
    } else {
      guard errno == EEXIST else { throw .io(operation: "create", path: path, errno: errno) }
      fd = Posix.open(path, O_RDWR | O_APPEND | O_NOFOLLOW)
      if fd < 0 {
        throw errno == ELOOP ? .symlinkRefused(path: path) : .io(operation: "open", path: path, errno: errno)
      }
    }
    let length: Int
    do throws(FileSystemError) {
      length = try Self.cutTornTail(fd, path: path)
    } catch {
      Posix.closeQuietly(fd)
      throw error
    }
    self.state = Mutex(State(fd: fd, length: length))
  }

  deinit {
    close()
  }

  /// Durably appends one batch as one line (one write(), then fdatasync). An empty batch is a
  /// no-op. On failure nothing of the line remains, or the journal refuses further appends.
  public func append(_ updates: [String: LockEntry?]) throws(FileSystemError) {
    if updates.isEmpty { return }
    var line = try Self.encodeLine(updates, path: path)
    line.append(0x0A)
    let path = path
    try state.withLock { (state: inout State) throws(FileSystemError) in
      if let broken = state.broken { throw broken }
      let fd = state.fd
      let length = state.length
      guard fd >= 0 else { throw .io(operation: "write", path: path, errno: EBADF) }
      do throws(FileSystemError) {
        try Posix.writeFully(fd, line, path: path)
      } catch {
        if Posix.retrying({ ftruncate(fd, off_t(length)) }) != 0 { state.broken = error }
        throw error
      }
      do throws(FileSystemError) {
        try Posix.syncData(fd, path: path)
      } catch {
        // The caller will not act on this batch, so a later replay must not see it either: cut
        // it off (best effort). After a failed fsync the kernel may report dropped pages as
        // clean, so the journal accepts nothing more until `reset()`.
        if Posix.retrying({ ftruncate(fd, off_t(length)) }) == 0 {
          _ = Posix.retrying { fsync(fd) }
        }
        state.broken = error
        throw error
      }
      state.length += line.count
    }
  }

  /// Whether the journal holds no record (nothing replayed, nothing appended since `reset`).
  public var isEmpty: Bool { state.withLock { $0.length == 0 } }

  /// Empties the journal durably. Call only after a lockfile containing every replayed and
  /// appended batch has been written (its rename and folder fsync done).
  public func reset() throws(FileSystemError) {
    let path = path
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let fd = state.fd
      guard fd >= 0 else { throw .io(operation: "truncate", path: path, errno: EBADF) }
      if Posix.retrying({ ftruncate(fd, 0) }) != 0 {
        throw .io(operation: "truncate", path: path, errno: errno)
      }
      try Posix.syncFile(fd, path: path)
      state.length = 0
      state.broken = nil
    }
  }

  /// Closes the journal; later appends fail.
  public func close() {
    state.withLock { state in
      if state.fd >= 0 { Posix.closeQuietly(state.fd) }
      state.fd = -1
    }
  }

  /// The batches recorded at `path`, oldest first; empty when the file does not exist.
  /// A torn final line (a crash during its write) is ignored; any other bad line is reported.
  public static func replay(path: String) throws(LockfileError) -> [[String: LockEntry?]] {
    guard let bytes = try LockfileCodec.readBytes(path: path, flags: O_NOFOLLOW) else { return [] }
    return try parse(bytes, path: path).batches
  }

  /// Applies batches in order: a value sets the entry, null removes it.
  public static func apply(_ batches: [[String: LockEntry?]], to lock: inout Lockfile) {
    for batch in batches {
      for (output, entry) in batch {
        lock.entries[output] = entry
      }
    }
  }

  /// Decodes journal bytes. `validLength` is the length of the accepted records (a torn tail
  /// excluded).
  static func parse(_ bytes: [UInt8], path: String) throws(LockfileError) -> (
    batches: [[String: LockEntry?]], validLength: Int
  ) {
    var batches: [[String: LockEntry?]] = []
    var offset = 0
    var lineNumber = 0
    while offset < bytes.count {
      lineNumber += 1
      // No newline: the write of the last line was cut short. Nothing acted on it.
      guard let newline = bytes[offset...].firstIndex(of: 0x0A) else { break }
      let line = Array(bytes[offset..<newline])
      let root: JSONValue
      do {
        root = try JSONParser.parse(line)
      } catch {
        // A final line holding NUL bytes is a crash artifact of some file systems.
        if newline + 1 == bytes.count && line.contains(0) { break }
        let place = error.isDuplicateKey ? "column \(error.column)" : "invalid JSON at column \(error.column)"
        throw .corruptJournal(path: path, line: lineNumber, detail: "\(place): \(error.message)")
      }
      do {
        batches.append(try LockfileReader.batch(root))
      } catch {
        throw .corruptJournal(path: path, line: lineNumber, detail: describe(error, line: line))
      }
      offset = newline + 1
    }
    return (batches, offset)
  }

  /// A problem in one valid JSON line, for `corruptJournal`: the field, or the unknown key's column.
  private static func describe(_ problem: LockReadProblem, line: [UInt8]) -> String {
    switch problem {
    case .field(let field, let detail):
      return "\(field): \(detail)"
    case .unknownKey(let keyPath, let field, let detail):
      guard let (_, column) = JSONParser.position(ofKey: keyPath, in: line) else {
        return "\(field): \(detail)"
      }
      return "column \(column): \(detail)"
    }
  }

  private static func encodeLine(_ updates: [String: LockEntry?], path: String) throws(FileSystemError)
    -> [UInt8]
  {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return [UInt8](try encoder.encode(updates))
    } catch {
      throw .encoding(path: path, detail: String(describing: error))
    }
  }

  /// Reads the journal and cuts off a torn final line, returning the remaining length.
  private static func cutTornTail(_ fd: Int32, path: String) throws(FileSystemError) -> Int {
    if lseek(fd, 0, SEEK_SET) < 0 { throw .io(operation: "read", path: path, errno: errno) }
    let bytes = try Posix.readToEnd(fd, path: path)
    // Corruption before the end is left alone: replay reports it and the run stops.
    guard let valid = try? parse(bytes, path: path).validLength, valid < bytes.count else {
      return bytes.count
    }
    if Posix.retrying({ ftruncate(fd, off_t(valid)) }) != 0 {
      throw .io(operation: "truncate", path: path, errno: errno)
    }
    try Posix.syncFile(fd, path: path)
    return valid
  }
}
