import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Helpers of the crash, run-lock and disk-error tests, in one namespace.
enum Crash {
  /// A `swapsync` process started in the background — to be killed, signalled or raced — with its
  /// output in files. Killed (with its process group) and reaped when this object goes away.
  final class Run: Sendable {
    let process: ChildProcess
    private let logs: OutputFiles

    var pid: Int32 { process.pid }

    init(_ arguments: [String], in sandbox: Sandbox, emulator: Emulator) throws {
      logs = try OutputFiles()
      // The same environment as `Sandbox.swapsync`.
      let environment = [
        "PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TT_API_KEY": Emulator.apiKey,
        "TTAPI_BASE_URL": emulator.baseURL,
      ]
      process = try ChildProcess(
        Binaries.swapsync, arguments, environment: environment, cwd: sandbox.root, stdout: .file(logs.stdout),
        stderr: .file(logs.stderr))
    }

    /// `kill -9`: no handler, no cleanup, no flush.
    func killHard() { process.signal(SIGKILL) }

    /// `kill -9` `milliseconds` after now, timed by a thread of its own: a task's sleep can last
    /// far longer while the whole suite keeps the cooperative pool busy, and the run would then
    /// get much further than the instant the test chose.
    func killHard(afterMilliseconds milliseconds: Int) {
      let process = process
      Thread {
        usleep(useconds_t(milliseconds * 1000))
        process.signal(SIGKILL)
      }.start()
    }

    /// Sends `signal` as soon as the run's stderr contains `text`, watched every 5 ms (for at
    /// most `seconds`) by a thread of its own, like `killHard(afterMilliseconds:)`: a task
    /// watching for it can be held far longer while the suite keeps the cooperative pool busy.
    func send(_ signal: Int32, onceStderrContains text: String, withinSeconds seconds: Int = 60) {
      let (process, logs) = (process, logs)
      Thread {
        for _ in 0..<(seconds * 200) {
          if logs.readStderr().contains(text) {
            process.signal(signal)
            return
          }
          usleep(5_000)
        }
      }.start()
    }

    /// Sends `signal` (SIGINT, SIGTERM, ...) to the run; false once it has ended.
    @discardableResult
    func send(_ signal: Int32) -> Bool { process.signal(signal) }

    /// Output so far (the run may still be going).
    var stderr: String { logs.readStderr() }

    /// Waits for the process to end. A process killed by a signal reports the signal number as status.
    func finish() async -> (result: CommandResult, signalled: Bool) {
      let termination = await process.wait()
      let result = CommandResult(
        status: termination.status, stdout: logs.readStdout(), stderr: logs.readStderr())
      return (result, termination.signalled)
    }
  }

  /// SplitMix64: a tiny seeded generator so a failing crash schedule can be replayed.
  struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// A whole PNG: the signature at the start and the IEND chunk (with its CRC) at the very end.
  static func isCompletePNG(_ data: Data?) -> Bool {
    guard let data, data.count >= 8 + 12 + 12, isPNG(data) else { return false }
    return data.suffix(12).elementsEqual([0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
  }

  /// Lowercase hex SHA-256 of files, by the system's `sha256sum` (the test target links no crypto library).
  static func sha256(ofFiles paths: [String]) async throws -> [String: String] {
    guard !paths.isEmpty else { return [:] }
    let result = try await ProcessRunner.run(
      "/usr/bin/sha256sum", ["--"] + paths, cwd: "/", environment: ["PATH": "/usr/bin:/bin"])
    guard result.status == 0 else { throw StateReadError.tool("sha256sum: \(result.stderr)") }
    var sums: [String: String] = [:]
    for line in result.stdout.split(separator: "\n") {
      let parts = line.split(separator: " ", maxSplits: 1)
      guard parts.count == 2 else { continue }
      sums[String(parts[1].drop { $0 == " " || $0 == "*" })] = String(parts[0])
    }
    return sums
  }

  enum StateReadError: Error, CustomStringConvertible {
    case unparsable(String)
    case tool(String)
    var description: String {
      switch self {
      case .unparsable(let what), .tool(let what): what
      }
    }
  }

  /// What swapsync would start from: the lockfile with every complete journal line applied, as
  /// `swapsync` itself replays them. Throws when the lockfile or a complete journal line is not JSON
  /// (a torn final line without its newline is what a kill can leave, and is skipped).
  static func effectiveEntries(lockPath: String, journalPath: String) throws -> [String: [String: Any]] {
    var entries: [String: [String: Any]] = [:]
    if let bytes = FileManager.default.contents(atPath: lockPath) {
      guard let root = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
        let recorded = root["entries"] as? [String: [String: Any]]
      else {
        throw StateReadError.unparsable(
          "\(lockPath) is not a lockfile: \(String(decoding: bytes, as: UTF8.self))")
      }
      entries = recorded
    }
    guard let journal = FileManager.default.contents(atPath: journalPath) else { return entries }
    var lines = journal.split(separator: 0x0A, omittingEmptySubsequences: false)
    lines.removeLast()  // after the last newline: empty, or a torn line nothing acted upon
    for line in lines {
      guard let batch = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
        throw StateReadError.unparsable(
          "\(journalPath): a complete line is not JSON: \(String(decoding: line, as: UTF8.self))")
      }
      for (output, value) in batch { entries[output] = value as? [String: Any] }
    }
    return entries
  }

  /// Every regular file under `root` whose name ends in `.part`, relative to `root`.
  static func partFiles(under root: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".part") }
  }

  #if os(Linux)
    /// A tmpfs mounted for one test (the tests run as root on CI), always unmounted by `unmount()`.
    /// Its mount point is under the run folder (`ChildRegistry`) and its source is `swapsync-test`,
    /// so the `atexit` backstop and scripts/check-leftovers.sh find any that a test left mounted.
    final class TmpfsMount: @unchecked Sendable {
      static let source = "swapsync-test"
      let path: String
      private let lock = NSLock()
      private var mounted = false

      /// Mounts a tmpfs of `size` (e.g. "200k") on a new folder; nil after recording an issue when
      /// that is impossible (not root, no mount privilege).
      static func make(size: String, sourceLocation: SourceLocation = #_sourceLocation) -> TmpfsMount? {
        guard getuid() == 0 else {
          Issue.record(
            "disk-error tests need root to mount a tmpfs (CI runs as root); uid is \(getuid())",
            sourceLocation: sourceLocation)
          return nil
        }
        let mountPoint: String
        do {
          mountPoint = try ChildRegistry.shared.newMountPoint()
        } catch {
          Issue.record("cannot make a mount point: \(error)", sourceLocation: sourceLocation)
          return nil
        }
        let mount = TmpfsMount(path: mountPoint)
        do {
          try mount.call(flags: 0, options: "size=\(size),mode=0755")
          mount.lock.withLock { mount.mounted = true }
          ChildRegistry.shared.setMounted(mount.path, true)
          return mount
        } catch {
          Issue.record("cannot mount a tmpfs at \(mount.path): \(error)", sourceLocation: sourceLocation)
          try? FileManager.default.removeItem(atPath: mount.path)
          return nil
        }
      }

      private init(path: String) { self.path = path }

      deinit { unmount() }

      /// Changes the size, or makes the file system read-only / writable again.
      func remount(size: String? = nil, readOnly: Bool = false) throws {
        let flags = UInt(MS_REMOUNT) | (readOnly ? UInt(MS_RDONLY) : 0)
        try call(flags: flags, options: size.map { "size=\($0)" })
      }

      /// Bytes an unprivileged writer may still allocate.
      var freeBytes: Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return -1 }
        return Int(info.f_bavail) * Int(info.f_frsize)
      }

      /// Detaches the file system and removes the mount point; safe to call more than once.
      func unmount() {
        let wasMounted = lock.withLock {
          defer { mounted = false }
          return mounted
        }
        if wasMounted {
          // Still mounted: left registered for the exit backstop (and the leftover check).
          guard umount2(path, Int32(MNT_DETACH)) == 0 else { return }
          ChildRegistry.shared.setMounted(path, false)
        }
        try? FileManager.default.removeItem(atPath: path)
      }

      private func call(flags: UInt, options: String?) throws {
        let status =
          if let options {
            options.withCString { Glibc.mount(Self.source, path, "tmpfs", flags, $0) }
          } else {
            Glibc.mount(Self.source, path, "tmpfs", flags, nil)
          }
        if status != 0 { throw MountError(errno: errno) }
      }

      /// Fills the file system with `name` (a file the manifest does not know) until nothing is left,
      /// then gives back `pages` pages of 4 KiB. Returns the free bytes afterwards.
      @discardableResult
      func fill(leavingPages pages: Int, name: String = "filler.bin") throws -> Int {
        let filler = path + "/" + name
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw MountError(errno: errno) }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 4096)
        var size = 0
        while true {
          let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
          if written <= 0 { break }
          size += written
        }
        size -= size % 4096
        while freeBytes < pages * 4096 && size > 0 {
          size -= 4096
          guard ftruncate(fd, off_t(size)) == 0 else { throw MountError(errno: errno) }
        }
        return freeBytes
      }
    }

    struct MountError: Error, CustomStringConvertible {
      var errno: Int32
      var description: String { String(cString: strerror(errno)) }
    }
  #endif

  /// Every regular file under the absolute folder `root`, excluding `.swapsync`, with its bytes.
  static func regularFiles(under root: String) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
    while let item = walker.nextObject() as? String {
      if item == ".swapsync" || item.hasPrefix(".swapsync/") { continue }
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: root + "/" + item, isDirectory: &isDirectory),
        !isDirectory.boolValue
      {
        result[item] = FileManager.default.contents(atPath: root + "/" + item)
      }
    }
    return result
  }

  /// Polls `condition` every 20 ms until it holds or `timeout` passes (for states with no event to
  /// wait on, such as the emulator's counters); false on timeout.
  static func eventually(timeout: Duration = .seconds(15), _ condition: () async throws -> Bool)
    async rethrows -> Bool
  {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline && !Task.isCancelled {
      if try await condition() { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
  }

  /// Writes a manifest with one `matrix` block and extra `swaps`, as JSON the test cannot get wrong.
  static func writeMatrixManifest(
    _ sandbox: Sandbox, targets: [String: String], faces: [String: String], output: String,
    swaps: [(String, String, String)] = []
  ) throws {
    let manifest: [String: Any] = [
      "version": 1, "outputDir": "out",
      "swaps": swaps.map { ["output": $0.0, "targetImage": $0.1, "swapImage": $0.2] },
      "matrix": [["targets": targets, "faces": faces, "output": output]],
    ]
    let data = try JSONSerialization.data(
      withJSONObject: manifest, options: [.sortedKeys, .withoutEscapingSlashes])
    try sandbox.write("swaps.json", String(decoding: data, as: UTF8.self))
  }
}
