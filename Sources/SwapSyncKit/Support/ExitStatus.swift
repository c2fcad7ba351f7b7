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

  /// Position in the order of docs/exit-codes.md, "64, 65, 77, 73, 69, 1, 75, 0"; higher is more severe.
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
