import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Helpers of the cache suites (folder and S3).
enum CacheSupport {
  static let sync = ["sync", "--poll-interval", "20ms"]

  /// Three outputs on two pairs: `a.png` and `copy/a.png` share a job, `b.png` has its own.
  static func entries(_ emulator: Emulator) -> [(String, String, String)] {
    [
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("copy/a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ]
  }

  /// Makes every result URL the emulator hands out expired by the time it is used: valid for
  /// 1 ms, and every CDN and Discord download held 20 ms.
  static func expireResultURLs(_ emulator: Emulator) async throws {
    try await emulator.configure(
      #"{"cdnTTLms":1,"faults":[{"endpoint":"cdn","kind":"slow","arg":"20ms","rate":1},"#
        + #"{"endpoint":"discord","kind":"slow","arg":"20ms","rate":1}]}"#)
  }

  /// A fresh clone of `original`: its manifest and committed lockfile, no outputs, no state.
  static func clone(of original: Sandbox) throws -> Sandbox {
    let clone = try Sandbox()
    for name in ["swaps.json", "swaps.lock.json"] {
      try clone.write(name, String(decoding: try #require(original.read(name)), as: UTF8.self))
    }
    return clone
  }

  /// `sync --json`'s summary object.
  static func summary(_ result: CommandResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
  }

  /// `status --json` as output → `inCache` (nil when the entry has no such field).
  static func inCache(_ sandbox: Sandbox, environment: [String: String] = [:], arguments: [String] = [])
    async throws -> [String: Bool?]
  {
    let result = try await sandbox.swapsync(
      ["status", "--json"] + arguments, emulator: nil, environment: environment)
    let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    var states: [String: Bool?] = [:]
    for entry in list {
      if let output = entry["output"] as? String { states[output] = entry["inCache"] as? Bool }
    }
    return states
  }

  /// Every file under `root/sha256`, keyed by its name (the claimed SHA-256), with its bytes.
  static func folderObjects(_ root: String) -> [String: Data] {
    var objects: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root + "/sha256") else { return [:] }
    while let item = walker.nextObject() as? String {
      var isFolder: ObjCBool = false
      let path = root + "/sha256/" + item
      if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
        objects[URL(fileURLWithPath: item).lastPathComponent] = FileManager.default.contents(atPath: path)
      }
    }
    return objects
  }

  /// The content address of `data` under a cache root or key prefix.
  static func key(of data: Data) throws -> String {
    let sha = try TestDigest.sha256(Array(data))
    return "sha256/\(sha.prefix(2))/\(sha)"
  }

  /// `count` large files that look like PNG images (adoption checks the magic bytes only), written
  /// as untracked outputs and adopted, so a push has real work to do. Returns their bytes.
  static func adoptLargeOutputs(_ sandbox: Sandbox, count: Int, size: Int) async throws -> [String: Data] {
    var swaps: [(String, String, String)] = []
    var files: [String: Data] = [:]
    var generator = SystemRandomNumberGenerator()
    var block: [UInt8] = []
    while block.count < 64 * 1024 { withUnsafeBytes(of: generator.next() as UInt64) { block += $0 } }
    for index in 0..<count {
      let name = "big\(index).png"
      swaps.append((name, "https://127.0.0.1/never/target\(index).png", "https://127.0.0.1/never/face.png"))
      // The PNG signature, then bytes unique to this file.
      var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, UInt8(index % 256)]
      bytes.reserveCapacity(size + block.count)
      while bytes.count < size { bytes += block }
      bytes.removeLast(bytes.count - size)
      files[name] = Data(bytes)
      try FileManager.default.createDirectory(atPath: sandbox.path("out"), withIntermediateDirectories: true)
      try Data(bytes).write(to: URL(fileURLWithPath: sandbox.path("out/" + name)))
    }
    try sandbox.writeManifest(swaps)
    let adopted = try await sandbox.swapsync(["sync", "--adopt"], emulator: nil)
    #expect(adopted.status == 0, "\(adopted.stderr)")
    return files
  }

  /// Starts `swapsync` in the background in `sandbox`, with `environment` added.
  static func start(_ sandbox: Sandbox, _ arguments: [String], environment: [String: String]) throws
    -> Faults.Run
  {
    let logs = try OutputFiles()
    var env = ["PATH": "/usr/bin:/bin", "HOME": sandbox.root]
    env.merge(environment) { $1 }
    let process = try ChildProcess(
      Binaries.swapsync, arguments, environment: env, cwd: sandbox.root, stdout: .file(logs.stdout),
      stderr: .file(logs.stderr))
    return Faults.Run(process: process, logs: logs)
  }

  /// Sends `signal` (SIGKILL unless told) to `run` as soon as `condition` holds. Polls (there is
  /// no event to wait on) from a thread of its own, every half millisecond, because the
  /// cooperative pool may be busy with other tests. Returns whether the signal was sent while the
  /// process still ran.
  static func killWhen(
    _ run: Faults.Run, signal: Int32 = SIGKILL, _ condition: @escaping @Sendable () -> Bool
  ) async -> Bool {
    await withCheckedContinuation { continuation in
      Thread {
        let deadline = Date().addingTimeInterval(120)
        var killed = false
        while Date() < deadline && run.process.isRunning {
          if condition() {
            killed = run.process.signal(signal)
            break
          }
          usleep(500)
        }
        continuation.resume(returning: killed)
      }.start()
    }
  }
}
