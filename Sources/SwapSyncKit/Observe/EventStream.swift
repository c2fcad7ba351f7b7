import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `sync --events FILE|-`: NDJSON, one object per line, written as things happen
/// (docs/events.md). Every line is one `write(2)`, so a reader following the file (`tail -f`,
/// `jq --seq`) never sees half a line from us.
///
/// Objects: `{"type":"start",…}` once, `{"type":"entry",…}` per recorded change of an entry
/// (an `EntryChange`), `{"type":"warning",…}`, and `{"type":"summary",…}` last (the `--json`
/// summary).
public final class EventStream: SyncObserver {
  /// The descriptor written to; owned by this object (closed on deinit unless it is stdout).
  private let fd: Mutex<Int32>
  /// The first write that failed for another reason than a reader gone (EPIPE), and how many
  /// lines were lost; the run goes on, and `sync` says so at its end.
  private let failure = Mutex<(errno: Int32, lost: Int)?>(nil)

  /// Why lines could not be written, and how many, or nil when every line was (or only a pipe's
  /// reader left).
  public var writeFailure: String? {
    failure.withLock { failure in
      failure.map {
        "\(String(cString: strerror($0.errno))) (\($0.lost) line\($0.lost == 1 ? "" : "s") lost)"
      }
    }
  }

  /// Opens `path` for writing (created or truncated, mode 0644), or stdout for `-`.
  /// - Throws: `FileSystemError.io` naming the path when it cannot be opened.
  public init(path: String) throws(FileSystemError) {
    if path == "-" {
      fd = Mutex(STDOUT_FILENO)
      return
    }
    let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard opened >= 0 else { throw .io(operation: "open the events file", path: path, errno: errno) }
    fd = Mutex(opened)
  }

  deinit {
    let descriptor = fd.withLock { $0 }
    if descriptor != STDOUT_FILENO { close(descriptor) }
  }

  public func runStarted(total: Int, states: [EntryStatus: Int], plannedSubmits: Int) {
    let counts = Dictionary(uniqueKeysWithValues: states.map { ($0.key.rawValue, $0.value) })
    emit(Start(time: EntryChange.now(), entries: total, states: counts, plannedSubmits: plannedSubmits))
  }

  public func recorded(_ change: EntryChange) { emit(Tagged(type: "entry", body: change)) }

  public func downloading(_ delta: Int) {}

  public func warn(_ line: String) { emit(Warning(time: EntryChange.now(), message: line)) }

  public func runEnded(summary: String) {
    // The `--json` summary's fields, with "type" and "time" added.
    guard var object = (try? JSONSerialization.jsonObject(with: Data(summary.utf8))) as? [String: Any] else {
      return
    }
    object["type"] = "summary"
    object["time"] = EntryChange.now()
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return }
    append(Array(data))
  }

  private struct Start: Encodable {
    var type = "start"
    var time: String
    var entries: Int
    var states: [String: Int]
    var plannedSubmits: Int
  }

  private struct Warning: Encodable {
    var type = "warning"
    var time: String
    var message: String
  }

  /// `body`'s fields with `"type"` added.
  private struct Tagged<Body: Encodable>: Encodable {
    var type: String
    var body: Body
    func encode(to encoder: any Encoder) throws {
      try body.encode(to: encoder)
      var container = encoder.container(keyedBy: Key.self)
      try container.encode(type, forKey: .type)
    }
    enum Key: String, CodingKey { case type }
  }

  private func emit(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return }
    append(Array(data))
  }

  /// Writes `bytes` and a newline with one `write(2)` (looping only on a short write). A line
  /// that cannot be written whole is cut off again in a file (not in a pipe, which cannot), so
  /// the next line never follows half of one.
  private func append(_ bytes: [UInt8]) {
    var line = bytes
    line.append(0x0A)
    fd.withLock { descriptor in
      // `-` with stdout closed at start: /dev/null stands in for it (`StandardStreams`), and
      // every line is lost.
      if descriptor == STDOUT_FILENO, StandardStreams.stdoutWasClosed.load(ordering: .relaxed) {
        failure.withLock { $0 = (EBADF, ($0?.lost ?? 0) + 1) }
        return
      }
      let start = lseek(descriptor, 0, SEEK_CUR)  // -1 for a pipe or a terminal
      line.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
          let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
          if written < 0 && errno == EINTR { continue }
          guard written > 0 else {
            // A closed pipe: the reader left, and the run goes on. Anything else is told at the end.
            let code = written < 0 ? errno : EIO
            if code != EPIPE { failure.withLock { $0 = ($0?.errno ?? code, ($0?.lost ?? 0) + 1) } }
            if offset > 0, start >= 0, ftruncate(descriptor, start) == 0 {
              lseek(descriptor, start, SEEK_SET)
            }
            return
          }
          offset += written
        }
      }
    }
  }
}
