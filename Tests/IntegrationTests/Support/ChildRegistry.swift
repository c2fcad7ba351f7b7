import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Everything the test process starts or mounts, so that nothing outlives it.
///
/// Each test process has a run folder, `$SWAPSYNC_TEST_STATE/<pid>` (default
/// `$TMPDIR/swapsync-tests/<pid>`; `make test` sets a fresh `SWAPSYNC_TEST_STATE` per run):
/// - `owner`: the test process's start time (field 22 of /proc/<pid>/stat), so a later check can
///   tell it from a process that got the same PID;
/// - `children`: one line per child ever started, `<pid> <start time> <executable>`;
/// - `mnt/`: the mount points of the tmpfs file systems the disk tests mount.
/// Every child also gets `SWAPSYNC_TEST_RUN=<run folder>` in its environment, which its own
/// children inherit. When the test process exits normally, an `atexit` handler kills and reaps
/// every child still alive, unmounts every tmpfs still mounted and removes the run folder. When it
/// crashes, nothing runs: scripts/check-leftovers.sh (run by `make test`) finds what is left by
/// these marks.
final class ChildRegistry: @unchecked Sendable {
  static let shared = ChildRegistry()
  /// The environment variable that marks every process the tests started.
  static let markerVariable = "SWAPSYNC_TEST_RUN"

  let runFolder: String
  private let lock = NSLock()
  private var children: [pid_t: ChildState] = [:]
  private var mounts: Set<String> = []

  private init() {
    let environment = ProcessInfo.processInfo.environment
    let root = environment["SWAPSYNC_TEST_STATE"] ?? (NSTemporaryDirectory() + "/swapsync-tests")
    // Without repeated or trailing slashes, as scripts/check-leftovers.sh spells it.
    runFolder =
      "/" + (root.split(separator: "/").map(String.init) + [String(getpid())]).joined(separator: "/")
    try? FileManager.default.createDirectory(atPath: runFolder + "/mnt", withIntermediateDirectories: true)
    // Replaced, not appended: a folder left by a crashed test process with the same PID is reused.
    try? ((Self.startTime(of: getpid()) ?? "?") + "\n").write(
      toFile: runFolder + "/owner", atomically: true, encoding: .utf8)
    atexit { ChildRegistry.shared.cleanUp() }
  }

  /// Records a child that has just been spawned (before anything can reap it).
  func register(_ child: ChildState, executable: String) {
    lock.withLock { children[child.pid] = child }
    let start = Self.startTime(of: child.pid) ?? "?"
    Self.append("\(child.pid) \(start) \(executable)", to: runFolder + "/children")
  }

  /// Forgets a reaped child.
  func unregister(_ pid: pid_t) {
    _ = lock.withLock { children.removeValue(forKey: pid) }
  }

  /// A new, empty mount point under the run folder: where every test tmpfs goes.
  func newMountPoint() throws -> String {
    let path = runFolder + "/mnt/" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Records a mounted file system (for the `atexit` backstop) or forgets an unmounted one.
  func setMounted(_ path: String, _ mounted: Bool) {
    lock.withLock {
      if mounted { mounts.insert(path) } else { mounts.remove(path) }
    }
  }

  /// The `atexit` backstop: SIGKILL to every live child's group, reap them, unmount what is left.
  /// Then, if nothing is left, the run folder goes too: only a test process that could not clean up
  /// (it crashed) leaves one, for scripts/check-leftovers.sh.
  private func cleanUp() {
    let (live, mounted) = lock.withLock { (Array(children.values), mounts) }
    for child in live { child.killGroup() }
    var clean = true
    for child in live where child.waitBlocking(timeout: .seconds(5)) == nil { clean = false }
    for path in mounted {
      if umount2(path, Int32(MNT_DETACH)) == 0 { _ = rmdir(path) } else { clean = false }
    }
    guard clean else { return }
    // Entry by entry, never recursively: nothing under a mount point can be deleted by mistake.
    _ = unlink(runFolder + "/owner")
    _ = unlink(runFolder + "/children")
    for name in (try? FileManager.default.contentsOfDirectory(atPath: runFolder + "/mnt")) ?? [] {
      _ = rmdir(runFolder + "/mnt/" + name)
    }
    _ = rmdir(runFolder + "/mnt")
    _ = rmdir(runFolder)
  }

  /// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot.
  static func startTime(of pid: pid_t) -> String? { statField(pid, 22) }

  /// Field `number` (1-based, as in proc(5)) of /proc/<pid>/stat; nil once the process is gone.
  static func statField(_ pid: pid_t, _ number: Int) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name (which may hold spaces) start with field 3, the state.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > number - 3 ? String(fields[number - 3]) : nil
  }

  /// Appends one line with a single `write` (O_APPEND: lines of parallel tests never interleave).
  private static func append(_ line: String, to path: String) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
  }
}
