import Logging

/// Ends a run early, in two steps: at once, no new work starts and polls and downloads are
/// cancelled (their entries stay `running`); submits already on the wire get `grace` to answer
/// so that their job ids are recorded, then they are cancelled too (their entries become
/// `uncertain`: the job may exist).
///
/// `--timeout` skips the second step: nobody is waiting at the keyboard, and a submit's answer
/// is money, so a submit already sent is waited for until it answers or its own request timeout
/// (60 s) passes (docs/exit-codes.md). A signal during that wait still cuts it to `grace`.
struct RunStopper: Sendable {
  let control: RunControl
  let engine: HTTPEngine
  let grace: Duration
  let logger: Logger

  /// Starts stopping for `reason`; returns at once. Calling it again is harmless.
  func stop(_ reason: StopReason) {
    let control = control
    let engine = engine
    let grace = grace
    Task {
      await control.stop(reason)
      engine.cancelTransfers(includingSubmits: false)
      if case .timeout = reason { return }
      try? await Task.sleep(for: grace)
      engine.cancelTransfers(includingSubmits: true)
    }
  }
}
