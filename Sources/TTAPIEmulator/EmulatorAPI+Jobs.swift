import HTTPTypes
import Hummingbird

extension EmulatorAPI {
  /// The jobId `jobIdTraversal` answers with.
  static let traversalJobId = "../../etc/passwd"

  /// `POST /insightFace/v1/swap`.
  func submit(_ request: Request, connection: ClientConnection) async -> Response {
    await state.count(.submit)
    await applyLatency()
    let fault = await state.pickFault(for: .submit)
    if let early = await earlyResponse(for: fault) { return early }
    guard await hasValidKey(request) else { return Responses.error(.unauthorized, "invalid api key") }
    guard let body = await jsonBody(request), case .object = body else {
      return Responses.error(.badRequest, "request body must be a JSON object")
    }
    guard let target = body["targetImage"]?.stringValue, Self.isHTTPURL(target) else {
      return Responses.error(.badRequest, "targetImage must be an http(s) URL")
    }
    guard let swap = body["swapImage"]?.stringValue, Self.isHTTPURL(swap) else {
      return Responses.error(.badRequest, "swapImage must be an http(s) URL")
    }
    var hookUrl: String?
    switch body["hookUrl"] {
    case .none, .some(.null): hookUrl = nil
    case .some(.string(let text)) where text.isEmpty: hookUrl = nil
    case .some(.string(let text)) where Self.isHTTPURL(text): hookUrl = text
    default: return Responses.error(.badRequest, "hookUrl must be an http(s) URL")
    }
    let job: EmulatedJob
    switch await state.createJob(targetImage: target, swapImage: swap, hookUrl: hookUrl) {
    case .queueFull:
      return Responses.error(Responses.queueFullStatus, "queue full")
    case .created(let created):
      job = created
    }
    scheduleHook(for: job)
    let answers = await state.answers
    switch fault?.kind {
    case .ambiguousSubmit:
      return Responses.dropConnection()
    case .jobIdTraversal:
      return Responses.json(answers.submitAnswer(jobId: Self.traversalJobId))
    default:
      return lateResponse(for: fault, answer: answers.submitAnswer(jobId: job.id), connection: connection)
    }
  }

  /// `POST /insightFace/v1/fetch` (JSON body) and `GET /insightFace/v1/fetch?jobId=`.
  func fetch(_ request: Request, connection: ClientConnection) async -> Response {
    await state.count(.fetch)
    await applyLatency()
    let jobId: String?
    if request.method == .get {
      jobId = request.uri.queryParameters["jobId"].map(String.init)
    } else {
      jobId = await jsonBody(request)?["jobId"]?.stringValue
    }
    var known: EmulatedJob?
    if let jobId { known = await state.job(jobId) }
    let status = known?.status(at: .now)
    let fault = await state.pickFault(for: .fetch, resultReady: status == .success)
    if let early = await earlyResponse(for: fault) { return early }
    guard await hasValidKey(request) else { return Responses.error(.unauthorized, "invalid api key") }
    guard let jobId, !jobId.isEmpty else { return Responses.error(.badRequest, "jobId is required") }
    guard let job = known, let status else { return Responses.error(.notFound, "job not found") }
    if status.isFinished && job.hookUrl != nil {
      let state = self.state
      Task { await Self.fireHook(jobId: jobId, state: state) }
    }
    let answers = await state.answers
    switch fault?.kind {
    case .resultFileURL:
      return Responses.json(answers.fetchAnswer(job: job, status: status, hostileURL: AnswerBuilder.fileURL))
    case .resultHTTPRemote:
      return Responses.json(
        answers.fetchAnswer(job: job, status: status, hostileURL: AnswerBuilder.remoteURL))
    case .successWithoutURL:
      return Responses.json(answers.fetchAnswer(job: job, status: status, withoutURLs: true))
    default:
      return lateResponse(
        for: fault, answer: answers.fetchAnswer(job: job, status: status), connection: connection)
    }
  }
}
