/// What a fetch said about a job: its state, result URLs and cost.
public struct JobSnapshot: Sendable, Equatable {
  /// A job's state in TTAPI's shared status vocabulary.
  public enum State: Sendable, Equatable {
    /// `PENDING_QUEUE`
    case queued
    /// `ON_QUEUE`
    case running
    case succeeded
    case failed(message: String)
    /// Any other status: treated as still running until the job's deadline.
    case unrecognized(String)
  }

  public var jobId: String
  public var state: State
  /// Result URLs, best first (`cdnImage`, then `discordImage`).
  public var resultURLs: [String]
  public var quota: Int?

  public init(jobId: String, state: State, resultURLs: [String], quota: Int?) {
    self.jobId = jobId
    self.state = state
    self.resultURLs = resultURLs
    self.quota = quota
  }

  init(answer: FetchAnswer, jobId: String) {
    let state: State
    switch answer.status?.uppercased() {
    case "PENDING_QUEUE": state = .queued
    case "ON_QUEUE": state = .running
    case "SUCCESS": state = .succeeded
    case "FAILED":
      state = .failed(message: meaningfulMessage(answer.message) ?? "the job failed (no reason given)")
    case let other: state = .unrecognized(other ?? "no status")
    }
    self.init(jobId: jobId, state: state, resultURLs: answer.resultURLs, quota: answer.quota)
  }
}
