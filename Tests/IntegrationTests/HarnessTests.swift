import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The process harness itself (`ChildProcess`, `ChildRegistry`): what every other integration
/// test relies on to start, signal and clean up the real binaries.
@Suite("test harness", .timeLimit(.minutes(3)))
struct HarnessTests {
  /// A line of /proc/<pid>/status, e.g. "SigBlk", as a number.
  static func statusMask(_ pid: pid_t, _ field: String) -> UInt64? {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") }
    return line.flatMap {
      UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16)
    }
  }

  /// Gone, or a zombie nobody reaped yet: either way no longer running.
  static func isGone(_ pid: pid_t) -> Bool { [nil, "Z"].contains(ChildRegistry.statField(pid, 3)) }

  @Test(
    "a child starts with no blocked signals, default INT/TERM/HUP/PIPE, its own group, fds 0-2, the marker"
  )
  func childStartsClean() async throws {
    // Spawn from a thread that blocks SIGINT and SIGTERM, like the cooperative pool does, with
    // SIGPIPE ignored (process-wide, and harmless: the test process writes to no pipe whose reader
    // may go away) and a descriptor open without close-on-exec.
    signal(SIGPIPE, SIG_IGN)
    let leak = open("/dev/null", O_RDONLY)
    defer { close(leak) }
    let child: ChildProcess = try await withCheckedThrowingContinuation { continuation in
      Thread {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        continuation.resume(
          with: Result(catching: { try ChildProcess("/bin/sleep", ["300"], environment: [:], cwd: "/") }))
      }.start()
    }
    let pid = child.pid
    #expect(Self.statusMask(pid, "SigBlk") == 0)
    let ignored = try #require(Self.statusMask(pid, "SigIgn"))
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] {
      #expect(ignored & (1 << UInt64(signal - 1)) == 0, "signal \(signal) is ignored in the child")
    }
    #expect(ChildRegistry.statField(pid, 5) == "\(pid)", "the child must lead its own process group")
    let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted()
    #expect(fds == ["0", "1", "2"])
    let environment = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)
    #expect(environment.contains("\(ChildRegistry.markerVariable)=\(ChildRegistry.shared.runFolder)"))
    let children = try String(contentsOfFile: ChildRegistry.shared.runFolder + "/children", encoding: .utf8)
    #expect(children.contains("\(pid) \(ChildRegistry.startTime(of: pid) ?? "?") /bin/sleep\n"))
    #expect(child.signal(SIGTERM))
    #expect(await child.wait() == .signalled(SIGTERM))
  }

  @Test("exit statuses and signals are reported; a reaped child is never signalled again")
  func terminations() async throws {
    let exited = try ChildProcess("/bin/sh", ["-c", "exit 3"], environment: [:], cwd: "/")
    #expect(await exited.wait() == .exited(3))
    #expect(!exited.isRunning)
    #expect(!exited.signal(SIGKILL))
    let killed = try ChildProcess("/bin/sh", ["-c", "kill -INT $$"], environment: [:], cwd: "/")
    #expect(await killed.wait() == .signalled(SIGINT))
    let result = try await ProcessRunner.run(
      "/bin/sh", ["-c", "pwd; echo oops >&2; exit 4"], cwd: "/usr", environment: [:])
    #expect(result.status == 4 && result.stdout == "/usr\n" && result.stderr == "oops\n")
  }

  @Test("letting go of a child kills its whole process group")
  func ownerGoneKillsGroup() async throws {
    var child: ChildProcess? = try ChildProcess(
      "/bin/sh", ["-c", "sleep 300 & echo $!; wait"], environment: [:], cwd: "/", stdout: .pipe)
    let grandchild = try #require(await child?.readStdoutLine().flatMap { pid_t($0) })
    let leader = try #require(child?.pid)
    #expect(!Self.isGone(grandchild))
    child = nil
    #expect(Self.isGone(leader))
    #expect(await Crash.eventually { Self.isGone(grandchild) }, "the shell's background sleep survived")
  }

  @Test("cancelling a wait (a time limit) kills the child")
  func cancelledWaitKills() async throws {
    let child = try ChildProcess("/bin/sleep", ["300"], environment: [:], cwd: "/")
    let waiting = Task { await child.wait() }
    waiting.cancel()
    #expect(await waiting.value == .signalled(SIGKILL))
  }

  @Test("every @Suite under Tests/ has a time limit, so a hung test fails instead of hanging CI")
  func everySuiteHasATimeLimit() throws {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let walker = try #require(FileManager.default.enumerator(atPath: tests.path))
    var suites = 0
    var missing: [String] = []
    while let file = walker.nextObject() as? String {
      guard file.hasSuffix(".swift") else { continue }
      let text = try String(contentsOfFile: tests.path + "/" + file, encoding: .utf8)
      for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        // An attribute starts its line; this skips "@Suite" in comments and strings.
        guard line.trimmingCharacters(in: .whitespaces).hasPrefix("@Suite"),
          let at = line.range(of: "@Suite")
        else { continue }
        suites += 1
        if Self.arguments(of: text[at.upperBound...])?.contains(".timeLimit(") != true {
          missing.append("\(file):\(number + 1)")
        }
      }
    }
    #expect(suites > 20)
    #expect(missing.isEmpty, "suites without .timeLimit(.minutes(N)): \(missing.sorted())")
  }

  /// The text between the parentheses that open `text` (an attribute's arguments), nil without any.
  static func arguments(of text: Substring) -> Substring? {
    guard text.first == "(" else { return nil }
    var depth = 0
    for index in text.indices {
      if text[index] == "(" { depth += 1 }
      if text[index] == ")" { depth -= 1 }
      if depth == 0 { return text[text.index(after: text.startIndex)..<index] }
    }
    return nil
  }
}
