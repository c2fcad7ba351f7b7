import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A process the tests start: the ONE way tests spawn anything (`ProcessRunner.run`, `Emulator`,
/// `NginxProxy`, `Crash.Run` and `Faults.start` are built on it).
///
/// - Spawning: `posix_spawn` from Glibc, not Foundation's `Process`, whose `run()` crashed the suite
///   inside its own file-descriptor scan (issue 11). The child gets stdin from /dev/null, stdout and
///   stderr to /dev/null, a file, a descriptor of the caller or a pipe, the working folder `cwd`,
///   and no other descriptor (`closefrom(3)` in the child). It leads its own process group
///   (`POSIX_SPAWN_SETPGROUP`), starts with an empty signal mask (`POSIX_SPAWN_SETSIGMASK`: threads
///   of the cooperative pool block SIGTERM and a child would inherit that) and with the default
///   action for SIGINT, SIGTERM, SIGHUP and SIGPIPE (`POSIX_SPAWN_SETSIGDEF`: an ignored signal
///   stays ignored across exec), so signals sent by interrupt tests really arrive.
/// - Waiting: one dedicated thread per child blocks in `waitid(WEXITED | WNOWAIT)`. When the child
///   has exited (still a zombie, so its PID and process group cannot belong to anyone else yet), the
///   thread kills whatever is left in its group, reaps it, and resumes every `wait()`. No thread of
///   the cooperative pool ever blocks, and `signal` and `killGroup` are no-ops once the child is
///   reaped, so they never hit a recycled PID. A thread per child is simpler than one reaper on
///   pidfds, and the suite has at most a few dozen children alive at once.
/// - Lifetime: when the owner lets go of this object (a helper's `deinit`, the end of a test), the
///   whole process group is killed with SIGKILL and reaped. `ChildRegistry` records every child in
///   the per-run folder and kills what is left when the test process exits (see
///   scripts/check-leftovers.sh for a test process that crashed).
///
/// Why not swiftlang/swift-subprocess: its `run` keeps a child inside the scope of a closure and
/// ends it there. The emulator and nginx live from a helper's `init` to its `deinit`, and the crash
/// tests kill `swapsync` at random instants from outside any such scope, so they need a handle that
/// outlives the call; and it would be one more package to build on two shared cores.
final class ChildProcess: @unchecked Sendable {
  /// Where the child's stdout or stderr goes.
  enum Output: Sendable {
    case null
    /// A file, created or truncated.
    case file(String)
    /// A descriptor of the caller, still owned by the caller.
    case descriptor(Int32)
    /// A pipe; read its other end with `readStdoutLine()` (stdout only).
    case pipe
  }

  /// How the child ended.
  enum Termination: Equatable, Sendable {
    case exited(Int32)
    case signalled(Int32)

    /// The exit status, or the signal number for a child killed by a signal.
    var status: Int32 {
      switch self {
      case .exited(let code), .signalled(let code): code
      }
    }
    var signalled: Bool { if case .signalled = self { true } else { false } }
  }

  let pid: pid_t
  let executable: String
  private let state: ChildState
  private let stdoutPipe: Int32?

  /// Starts `executable` (an absolute path) with `arguments`, exactly `environment` (plus the
  /// harness's run marker) and the working folder `cwd`.
  init(
    _ executable: String, _ arguments: [String], environment: [String: String], cwd: String,
    stdout: Output = .null, stderr: Output = .null
  ) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }

    try Self.check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "stdin")
    var pipeEnds: (read: Int32, write: Int32)?
    defer { if let write = pipeEnds?.write { close(write) } }
    for (target, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
      switch output {
      case .null:
        try Self.check(
          posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0), "/dev/null")
      case .file(let path):
        try Self.check(
          posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644), path)
      case .descriptor(let fd):
        try Self.check(posix_spawn_file_actions_adddup2(&actions, fd, target), "descriptor \(fd)")
      case .pipe:
        guard target == 1 else { throw ChildProcessError.spawn(executable, "a pipe is for stdout only") }
        // pipe2(O_CLOEXEC) is not imported; a child spawned by another thread before the fcntl
        // does not keep these ends either, as every child closes all but 0-2 (closefrom below).
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw ChildProcessError.spawn(executable, Self.describe(errno)) }
        pipeEnds = (ends[0], ends[1])
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        try Self.check(posix_spawn_file_actions_adddup2(&actions, ends[1], target), "pipe")
      }
    }
    try SpawnExtensions.addChdir(&actions, cwd)
    try SpawnExtensions.addClosefrom(&actions, 3)

    let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
    try Self.check(posix_spawnattr_setflags(&attributes, Int16(flags)), "flags")
    try Self.check(posix_spawnattr_setpgroup(&attributes, 0), "process group")
    var signals = sigset_t()
    sigemptyset(&signals)
    try Self.check(posix_spawnattr_setsigmask(&attributes, &signals), "signal mask")
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&signals, signal) }
    try Self.check(posix_spawnattr_setsigdefault(&attributes, &signals), "default signals")

    var environment = environment
    environment[ChildRegistry.markerVariable] = ChildRegistry.shared.runFolder
    let argv = [executable] + arguments
    let envp = environment.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    let status = Self.withCStrings(argv) { argv in
      Self.withCStrings(envp) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
    }
    if status != 0 {
      if let read = pipeEnds?.read { close(read) }
      throw ChildProcessError.spawn(executable, Self.describe(status))
    }
    self.pid = pid
    self.executable = executable
    stdoutPipe = pipeEnds?.read
    state = ChildState(pid: pid)
    ChildRegistry.shared.register(state, executable: executable)
    let reaper = state
    Thread { reaper.reapWhenExited() }.start()
  }

  /// Kills the whole process group (SIGKILL) and reaps the child: nothing outlives its owner.
  deinit {
    state.killGroup()
    _ = state.waitBlocking(timeout: .seconds(10))
    if let stdoutPipe { close(stdoutPipe) }
  }

  /// Until the child is reaped (a child that has just exited still counts for a moment).
  var isRunning: Bool { state.termination == nil }

  /// How it ended, once reaped.
  var termination: Termination? { state.termination }

  /// Sends `signal` to the child alone; false once it is reaped (or the signal was refused).
  @discardableResult
  func signal(_ signal: Int32) -> Bool { state.send(signal) }

  /// Sends SIGKILL to the child's whole process group; does nothing once the child is reaped.
  func killGroup() { state.killGroup() }

  /// Waits for the child to end without blocking a thread of the cooperative pool. Cancelling the
  /// waiting task (a test's time limit) kills the process group, so the wait ends promptly.
  func wait() async -> Termination {
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in state.onExit { continuation.resume(returning: $0) } }
    } onCancel: { [state] in
      state.killGroup()
    }
  }

  /// Blocks the calling thread until the child is reaped or `timeout` passes (nil). For `deinit`s.
  func waitBlocking(timeout: Duration = .seconds(10)) -> Termination? { state.waitBlocking(timeout: timeout) }

  /// Reads the child's stdout pipe up to the first newline, on a thread of its own; nil at end of
  /// file before any newline (the child died). Cancelling the task kills the child, which ends the read.
  func readStdoutLine() async -> String? {
    guard let fd = stdoutPipe else { return nil }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        Thread {
          var bytes: [UInt8] = []
          var byte: UInt8 = 0
          while true {
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return continuation.resume(returning: nil) }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
          }
          continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
        }.start()
      }
    } onCancel: { [state] in
      state.killGroup()
    }
  }

  private static func check(_ status: Int32, _ what: String) throws {
    if status != 0 { throw ChildProcessError.spawn(what, describe(status)) }
  }

  static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

  private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R
  {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
  }
}

enum ChildProcessError: Error, CustomStringConvertible {
  case spawn(String, String)

  var description: String {
    switch self {
    case .spawn(let what, let why): "cannot start a child process (\(what)): \(why)"
    }
  }
}

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29) and `..._addclosefrom_np` (2.34), which
/// Swift's Glibc module does not import; looked up once by name.
private enum SpawnExtensions {
  typealias AddChdir =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
    -> Int32
  typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

  static let chdir = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
    unsafeBitCast($0, to: AddChdir.self)
  }
  static let closefrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
    unsafeBitCast($0, to: AddClosefrom.self)
  }

  static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ folder: String) throws {
    guard let chdir else { throw ChildProcessError.spawn(folder, "glibc 2.29 or later is needed") }
    let status = folder.withCString { chdir(&actions, $0) }
    if status != 0 { throw ChildProcessError.spawn(folder, ChildProcess.describe(status)) }
  }

  static func addClosefrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) throws {
    guard let closefrom else { throw ChildProcessError.spawn("closefrom", "glibc 2.34 or later is needed") }
    let status = closefrom(&actions, lowest)
    if status != 0 { throw ChildProcessError.spawn("closefrom", ChildProcess.describe(status)) }
  }
}
