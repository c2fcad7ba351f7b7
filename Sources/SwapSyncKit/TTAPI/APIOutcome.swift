/// How a submit ended, in the terms that decide money (docs/states.md).
public enum SubmitOutcome: Sendable, Equatable {
  /// The job exists; its id is safe to use.
  case created(jobId: String)
  /// Certainly not created and worth trying again (connection failure, 429, 499).
  case retryable(Retry)
  /// Certainly not created; the request itself is wrong (400, 404). The entry fails.
  case rejected(status: Int, message: String)
  /// Certainly not created; the account cannot submit (401, 402, 403). The run stops.
  case denied(status: Int, message: String)
  /// Certainly not created, and retrying cannot help (TLS failure, refused URL).
  case unreachable(String)
  /// The request may have created (and billed) a job whose id we do not know.
  case uncertain(String)
}

/// How a fetch ended.
public enum FetchOutcome: Sendable, Equatable {
  case job(JobSnapshot)
  /// 404: the service does not know the job (any more).
  case notFound(String)
  /// 400: the service refuses to look the job up.
  case rejected(status: Int, message: String)
  case denied(status: Int, message: String)
  case retryable(Retry)
  case unreachable(String)
}

/// A transient failure: what happened, and how the caller should back off.
public struct Retry: Sendable, Equatable {
  public var reason: String
  /// The server's `Retry-After`, if it sent one.
  public var after: Duration?
  /// 429 and 499: the account is over its rate or queue; send fewer jobs at once.
  public var overloaded: Bool
  /// A connection failure or a 5xx: counts towards "API unavailable" (exit 69).
  public var unavailable: Bool

  public init(reason: String, after: Duration? = nil, overloaded: Bool = false, unavailable: Bool = false) {
    self.reason = reason
    self.after = after
    self.overloaded = overloaded
    self.unavailable = unavailable
  }
}
