import Foundation
import SwapSyncKit
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Helpers for the fault-injection and hostile-server suites.
enum Faults {
  /// `sync` with short polls, so fault tests stay fast.
  static let sync = ["sync", "--poll-interval", "20ms"]

  /// Two entries on distinct pairs of emulator samples.
  static func twoEntries(_ emulator: Emulator) -> [(String, String, String)] {
    [
      ("a.png", emulator.sample("target-beach"), emulator.sample("face-alice")),
      ("b.png", emulator.sample("target-office"), emulator.sample("face-bob")),
    ]
  }

  /// `count` entries on distinct pairs (targets × faces of the samples, then query variants).
  static func entries(_ emulator: Emulator, count: Int) -> [(String, String, String)] {
    let targets = ["target-beach", "target-office", "target-park"]
    let faces = ["face-alice", "face-bob", "face-carol"]
    return (0..<count).map { index in
      let target = emulator.sample(targets[index % 3])
      let face = emulator.sample(faces[(index / 3) % 3]) + (index >= 9 ? "?v=\(index)" : "")
      return ("e\(index).png", target, face)
    }
  }

  /// Moves every recorded submit to 2020 in the lockfile, as a user's hand edit could: those
  /// jobs are then past any `--job-deadline`, so a result still unusable in its third run ends
  /// them (docs/states.md) without the test waiting a day.
  static func backdateSubmits(_ sandbox: Sandbox) throws {
    let data = try #require(sandbox.read("swaps.lock.json"))
    var lock = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var entries = try #require(lock["entries"] as? [String: [String: Any]])
    for (output, var entry) in entries where entry["submittedAt"] != nil {
      entry["submittedAt"] = "2020-01-01T00:00:00Z"
      entries[output] = entry
    }
    lock["entries"] = entries
    let bytes = try JSONSerialization.data(withJSONObject: lock, options: [.prettyPrinted, .sortedKeys])
    try bytes.write(to: URL(fileURLWithPath: sandbox.path("swaps.lock.json")))
  }

  /// Prints the fault figures of one test (`FAULT-TALLY` lines are summed for the report).
  static func tally(_ test: String, _ stats: Emulator.Stats, uncertain: Int = 0) {
    let faults = (stats.faultsInjected ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    print(
      "FAULT-TALLY test=\(test) submits=\(stats.submits) jobs=\(stats.jobsCreated) "
        + "maxJobsPerPair=\(stats.maxJobsPerPair) uncertain=\(uncertain) \(faults.joined(separator: " "))")
  }

  /// A loopback TCP port that refuses connections while this value lives: a socket bound to port
  /// 0 and never listening (a connect gets ECONNREFUSED), held so that no other test's server can
  /// be given the port. (Closing it at once let a parallel test's emulator bind the same port:
  /// the "refusing" API then answered, and that emulator counted a stranger's submit.)
  final class RefusingPort: @unchecked Sendable {
    let port: Int
    /// The bound socket; -1 once released. Used by the owning test only.
    private var fd: Int32

    init() throws {
      #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
      #endif
      guard fd >= 0 else { throw FaultSupportError.socket(errno) }
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = 0
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
          bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
      }
      guard bound else {
        let code = errno
        close(fd)
        throw FaultSupportError.socket(code)
      }
      self.fd = fd
      self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Frees the port, for a test that starts its own server on it next.
    func release() {
      if fd >= 0 { close(fd) }
      fd = -1
    }

    deinit { release() }
  }

  /// The first line of the host's `/etc/passwd`: what a traversal or `file://` leak would copy.
  static let passwdMarker: String = {
    let text = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "root:x:0:0:"
    return text.split(separator: "\n").first.map(String.init) ?? "root:x:0:0:"
  }()
}

enum FaultSupportError: Error {
  case socket(Int32)
  case timedOut(String)
}

extension Faults {
  /// `swapsync status --json` in `sandbox`, keyed by output.
  /// Forgets which results swapsync installed in `out` (`.swapsync/results.jsonl`), so that its
  /// files stand for ones from elsewhere: `sync --adopt` then adopts them (no job) instead of
  /// recognizing them (docs/lockfile.md, adopted entries).
  static func forgetInstalledResults(_ sandbox: Sandbox, folder: String = "out") throws {
    try FileManager.default.removeItem(atPath: sandbox.path(folder + "/.swapsync/results.jsonl"))
  }

  static func statuses(_ sandbox: Sandbox) async throws -> [String: EntryReport] {
    let result = try await sandbox.swapsync(["status", "--json"], emulator: nil)
    let entries = try JSONDecoder().decode([EntryReport].self, from: Data(result.stdout.utf8))
    return Dictionary(uniqueKeysWithValues: entries.map { ($0.output, $0) })
  }

  /// Every regular file under the sandbox root, hidden ones included, with its bytes.
  static func allFiles(_ sandbox: Sandbox) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: sandbox.root) else { return [:] }
    while let item = walker.nextObject() as? String {
      var isDirectory: ObjCBool = false
      let full = sandbox.path(item)
      if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
        result[item] = FileManager.default.contents(atPath: full) ?? Data()
      }
    }
    return result
  }

  /// Starts `swapsync` in `sandbox` in the background, its stdout and stderr going to files
  /// in a temporary folder.
  static func start(_ sandbox: Sandbox, _ arguments: [String], baseURL: String) throws -> Run {
    let logs = try OutputFiles()
    let env = [
      "PATH": "/usr/bin:/bin", "HOME": sandbox.root, "TT_API_KEY": Emulator.apiKey, "TTAPI_BASE_URL": baseURL,
    ]
    let process = try ChildProcess(
      Binaries.swapsync, arguments, environment: env, cwd: sandbox.root, stdout: .file(logs.stdout),
      stderr: .file(logs.stderr))
    return Run(process: process, logs: logs)
  }

  /// A `swapsync` run started in the background; its logs are files. The run is killed and reaped
  /// when the last copy of this value goes away.
  struct Run: Sendable {
    let process: ChildProcess
    let logs: OutputFiles

    var stderr: String { logs.readStderr() }
    var stdout: String { logs.readStdout() }

    /// Polls stderr (there is no event to wait on) until it contains `text`, within `limit`.
    func waitForLog(_ text: String, limit: Duration = .seconds(30)) async throws {
      let deadline = ContinuousClock.now + limit
      while !stderr.contains(text) {
        guard process.isRunning, ContinuousClock.now < deadline else {
          throw FaultSupportError.timedOut("no '\(text)' in stderr: \(stderr)")
        }
        try await Task.sleep(for: .milliseconds(20))
      }
    }

    func finish() async -> CommandResult {
      let status = await process.wait().status
      return CommandResult(status: status, stdout: stdout, stderr: stderr)
    }
  }

  /// One fault rule in the control API's JSON form.
  struct Spec: Sendable, CustomTestStringConvertible {
    var endpoint: String
    var kind: String
    var arg: String?
    var rate: Double

    var json: String {
      let argument = arg.map { #","arg":"\#($0)""# } ?? ""
      return #"{"endpoint":"\#(endpoint)","kind":"\#(kind)"\#(argument),"rate":\#(rate)}"#
    }
    var testDescription: String { "\(endpoint):\(kind)" + (arg.map { ":\($0)" } ?? "") + "@\(rate)" }
  }
}
