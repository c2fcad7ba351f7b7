import Foundation

/// One recorded change of an entry, after it is durable in the journal.
public struct EntryChange: Sendable, Codable, Equatable {
  /// RFC 3339 UTC time with milliseconds.
  public var time: String
  public var output: String
  /// The recorded state before and after; nil is "no record".
  public var from: EntryState?
  public var to: EntryState?
  /// What caused it: a `Lifecycle.EventKind` name, or `copied` / `replayed`.
  public var cause: String
  public var jobId: String?
  public var message: String?
  public var sha256: String?
  public var size: Int?
  public var quota: Int?
}

/// Watches a `sync` run: the event stream (`--events`) and the terminal progress line.
/// Methods are called from the run's tasks, concurrently; implementations synchronise.
public protocol SyncObserver: Sendable {
  /// The run starts working on `total` manifest outputs, in these states.
  func runStarted(total: Int, states: [EntryStatus: Int], plannedSubmits: Int)
  /// An entry's record changed (called once the change is durable).
  func recorded(_ change: EntryChange)
  /// Downloads in progress changed by `delta` (+1 started, -1 ended).
  func downloading(_ delta: Int)
  /// A line the user should see now (a warning); printed above any progress display.
  func warn(_ line: String)
  /// The run is over; `summary` is the `--json` summary object.
  func runEnded(summary: String)
}

/// Several observers as one.
public struct ObserverGroup: SyncObserver {
  public var members: [any SyncObserver]

  public init(_ members: [any SyncObserver]) { self.members = members }

  public func runStarted(total: Int, states: [EntryStatus: Int], plannedSubmits: Int) {
    for member in members { member.runStarted(total: total, states: states, plannedSubmits: plannedSubmits) }
  }
  public func recorded(_ change: EntryChange) { for member in members { member.recorded(change) } }
  public func downloading(_ delta: Int) { for member in members { member.downloading(delta) } }
  public func warn(_ line: String) { for member in members { member.warn(line) } }
  public func runEnded(summary: String) { for member in members { member.runEnded(summary: summary) } }
}

extension EntryChange {
  /// The current time in the event format.
  static func now() -> String {
    Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
  }
}
