import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The live status line of `sync` on a terminal (docs/events.md, "Progress").
///
/// Only when stderr is a TTY and `TERM` is not `dumb`; never in cron, CI or a pipe. One line,
/// redrawn in place four times a second: outputs done of the total, submitting, running at
/// TTAPI, downloading, failed, quota spent, elapsed time and an estimate of the time left from
/// the pace of this run. Warnings are printed above it; at the end it is erased, and the summary
/// takes its place. Colour only where `NO_COLOR` is unset.
///
/// Written with two ANSI sequences (erase line, carriage return) rather than ConsoleKit's
/// `Terminal`, which writes to stdout: stdout carries `--json` and `--events -`.
public final class ProgressDisplay: SyncObserver {
  private struct State {
    var total = 0
    var states: [EntryStatus: Int] = [:]
    var doneAtStart = 0
    var downloading = 0
    var quota = 0
    var started = ContinuousClock.now
    var shown = false
    var finished = false
  }

  private let state = Mutex(State())
  private let color: Bool

  /// A display when stderr is a terminal that can take it, else nil.
  public static func forStandardError(environment: [String: String]) -> ProgressDisplay? {
    guard isatty(STDERR_FILENO) == 1, environment["TERM"] != "dumb" else { return nil }
    return ProgressDisplay(color: environment["NO_COLOR"].map(\.isEmpty) ?? true)
  }

  init(color: Bool) { self.color = color }

  public func runStarted(total: Int, states: [EntryStatus: Int], plannedSubmits: Int) {
    state.withLock {
      $0.total = total
      $0.states = states
      $0.doneAtStart = states[.done] ?? 0
      $0.started = .now
    }
    Task { [weak self] in
      while let self, !self.state.withLock({ $0.finished }) {
        self.redraw()
        try? await Task.sleep(for: .milliseconds(250))
      }
    }
  }

  public func recorded(_ change: EntryChange) {
    state.withLock {
      if change.from == .done, change.to == .done, StateStore.installsFile(change.cause) {
        // A restore: the record stays `done`; the output was `modified` (missing or changed).
        $0.states[.modified, default: 0] -= 1
        $0.states[.done, default: 0] += 1
        return
      }
      if let from = change.from {
        $0.states[EntryStatus(rawValue: from.rawValue) ?? .missing, default: 0] -= 1
      }
      if let to = change.to { $0.states[EntryStatus(rawValue: to.rawValue) ?? .missing, default: 0] += 1 }
      if change.to == .done, change.from != .done,
        change.cause == Lifecycle.EventKind.resultInstalled.rawValue
      {
        $0.quota += change.quota ?? 0
      }
    }
  }

  public func downloading(_ delta: Int) { state.withLock { $0.downloading += delta } }

  public func warn(_ line: String) {
    let text = state.withLock { state in
      defer { state.shown = false }
      return (state.shown ? "\r\u{1B}[2K" : "") + TerminalText.escaped(line) + "\n"
    }
    Self.write(text)
    redraw()
  }

  public func runEnded(summary: String) {
    let erase = state.withLock { state in
      defer {
        state.finished = true
        state.shown = false
      }
      return state.shown ? "\r\u{1B}[2K" : ""
    }
    Self.write(erase)
  }

  /// The status line for the current counts.
  func line() -> String {
    state.withLock { state in
      let states = state.states
      let count = { (status: EntryStatus) in max(0, states[status] ?? 0) }
      let done = count(.done)
      let elapsed = ContinuousClock.now - state.started
      var parts = ["\(done)/\(state.total) done"]
      if count(.submitting) > 0 { parts.append("\(count(.submitting)) submitting") }
      if count(.running) > 0 { parts.append("\(count(.running)) running at TTAPI") }
      if state.downloading > 0 { parts.append("\(state.downloading) downloading") }
      let failed = count(.failed) + count(.lost) + count(.uncertain)
      if failed > 0 { parts.append(color ? "\u{1B}[31m\(failed) failed\u{1B}[0m" : "\(failed) failed") }
      parts.append("quota \(state.quota)")
      parts.append(Self.clock(elapsed))
      let madeHere = done - state.doneAtStart
      if madeHere > 0, done < state.total {
        let left = elapsed * (Double(state.total - done) / Double(madeHere))
        parts.append("ETA \(Self.clock(left))")
      }
      return "swapsync: " + parts.joined(separator: " · ")
    }
  }

  private func redraw() {
    let text = "\r\u{1B}[2K" + line()
    let finished = state.withLock { state -> Bool in
      if !state.finished { state.shown = true }
      return state.finished
    }
    if !finished { Self.write(text) }
  }

  static func clock(_ duration: Duration) -> String {
    let seconds = Int(duration.components.seconds)
    return seconds >= 3600
      ? "\(seconds / 3600)h\(String(format: "%02d", seconds % 3600 / 60))m"
      : seconds >= 60 ? "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" : "\(seconds)s"
  }

  private static func write(_ text: String) { StandardError.write(text) }
}
