import Foundation
import Testing

@testable import SwapSyncKit

/// How `--timeout` and API failures decide between 69 and 75 (docs/exit-codes.md).
@Suite(.timeLimit(.minutes(3))) struct RunControlTests {
  static let refused = Retry(reason: "could not connect to 127.0.0.1", unavailable: true)

  @Test("--timeout before the API answered anything is 69, whether the watchdog or the submit stops first")
  func timeoutWithoutAnyAnswerIsUnavailable() async {
    let control = RunControl(timeout: .seconds(60))
    await control.apiFailed(Self.refused)
    await control.stop(.timeout)
    #expect(await control.failure?.status == .unavailable)
    #expect(await control.failure?.message.contains("could not connect") == true)
    #expect(await control.stopReason == .timeout)
  }

  @Test("--timeout after the API answered once is not 69, even if later requests failed")
  func timeoutAfterAnAnswerIsNotUnavailable() async {
    let control = RunControl(timeout: .seconds(60))
    await control.apiSucceeded()
    await control.apiFailed(Self.refused)
    await control.stop(.timeout)
    #expect(await control.failure?.status == nil)
  }

  @Test("an interrupt or a failure that is not about availability leaves no 69 behind")
  func otherStopsAreNotUnavailable() async {
    let control = RunControl(timeout: .seconds(60))
    await control.apiFailed(Retry(reason: "HTTP 429", overloaded: true))
    await control.stop(.timeout)
    #expect(await control.failure?.status == nil)
    let interrupted = RunControl(timeout: .seconds(60))
    await interrupted.apiFailed(Self.refused)
    await interrupted.stop(.signal(2))
    #expect(await interrupted.failure?.status == nil)
  }

  @Test("a signal outranks --timeout and a failure; the first signal is kept")
  func signalOutranksTimeout() async {
    let control = RunControl(timeout: .seconds(60))
    await control.stop(.timeout)
    await control.stop(.signal(SIGINT))
    #expect(await control.stopReason == .signal(SIGINT))
    await control.stop(.signal(SIGTERM))
    await control.stop(.timeout)
    #expect(await control.stopReason == .signal(SIGINT))
  }
}
