/// Process exit codes (docs/exit-codes.md), ordered so that the most severe one wins.
public enum ExitStatus: Int32, Sendable, Codable {
  case inSync = 0
  case attention = 1
  case changesPending = 2
  case usage = 64
  case invalidInput = 65
  case unavailable = 69
  case cannotWrite = 73
  case tryLater = 75
  case denied = 77
  /// Stopped by SIGHUP, SIGINT or SIGTERM (128 + the signal number); state recorded.
  case hangup = 129
  case interrupted = 130
  case terminated = 143

  /// The status for a run stopped by `signal`.
  public static func stopped(by signal: Int32) -> ExitStatus {
    switch signal {
    case 1: .hangup
    case 2: .interrupted
    default: .terminated
    }
  }

  /// Position in the order "64, 65, 77, 73, 69, 1, 75, 0" of docs/exit-codes.md, with an
  /// interrupt above all: the user stopped the run, and that is what the status says.
  private var severity: Int {
    switch self {
    case .inSync: 0
    case .changesPending: 1
    case .tryLater: 2
    case .attention: 3
    case .unavailable: 4
    case .cannotWrite: 5
    case .denied: 6
    case .invalidInput: 7
    case .usage: 8
    case .hangup, .interrupted, .terminated: 9
    }
  }

  /// The more severe of two statuses.
  public func combined(with other: ExitStatus) -> ExitStatus {
    other.severity > severity ? other : self
  }
}

/// An error that ends the run with a specific exit status and a message for the user.
public struct SwapSyncFailure: Error, CustomStringConvertible, Sendable {
  public var status: ExitStatus
  public var message: String

  public init(_ status: ExitStatus, _ message: String) {
    self.status = status
    self.message = message
  }

  public var description: String { message }
}

extension SwapSyncFailure {
  /// The more severe of `self` and `other`.
  func worse(than other: SwapSyncFailure?) -> SwapSyncFailure {
    guard let other else { return self }
    return other.status.combined(with: status) == other.status ? other : self
  }
}
