import Foundation
import Testing

@testable import SwapSyncKit

/// Every transition of `Lifecycle`, and the money rule it encodes (docs/states.md).
@Suite("entry lifecycle", .timeLimit(.minutes(3)))
struct LifecycleTests {
  static let pair = SwapPair(targetImage: "https://t/1.jpg", swapImage: "https://f/1.jpg")
  static let other = SwapPair(targetImage: "https://t/2.jpg", swapImage: "https://f/1.jpg")
  static let result = VerifiedResult(sha256: String(repeating: "a", count: 64), size: 10, imageType: .png)

  static func entry(_ state: EntryState?, pair: SwapPair = pair) -> LockEntry? {
    state.map {
      LockEntry(
        targetImage: pair.targetImage, swapImage: pair.swapImage, state: $0,
        jobId: $0 == .submitting || $0 == .uncertain ? nil : "J1")
    }
  }

  /// One event of each kind.
  static let events: [LifecycleEvent] = [
    .submitIntended(at: "t"), .jobCreated(jobId: "J2"), .submitWithdrawn(restoring: nil),
    .submitRejected(message: "bad", at: "t"), .submitAnswerLost(reason: "reset"),
    .serviceFailed(message: "no face", quota: 2, at: "t"), .deadlinePassed(message: "late", at: "t"),
    .jobUnknown(message: "404", at: "t"), .resultUnusable(reason: "HTML", gone: false, at: "t"),
    .resultInstalled(result, jobId: "J1", quota: 2, at: "t"), .adopted(result),
    .recognized(result, jobId: "J3", quota: 2, submittedAt: "s", finishedAt: "t"),
  ]
  static let states: [EntryState?] = [nil] + EntryState.allCases.map { $0 }

  @Test("apply allows exactly the transitions the table declares, and lands where it says")
  func applyMatchesTable() throws {
    for state in Self.states {
      for event in Self.events {
        let kind = Lifecycle.kind(of: event)
        // Same-pair records with a job: transitions narrowed to stale or job-less records do not apply.
        let allowed = Lifecycle.transitions.filter {
          $0.from == state && $0.event == kind && $0.onlyWhen == nil
        }
        let outcome = Result { () throws(LifecycleError) in
          try Lifecycle.apply(event, to: Self.entry(state), pair: Self.pair)
        }
        switch outcome {
        case .success(let next):
          #expect(!allowed.isEmpty, "\(kind) from \(state?.rawValue ?? "none") is not in the table")
          #expect(
            allowed.contains { $0.to == next?.state },
            "\(kind) from \(state?.rawValue ?? "none") → \(next?.state.rawValue ?? "none")")
        case .failure(let error):
          #expect(allowed.isEmpty, "\(kind) from \(state?.rawValue ?? "none") refused: \(error)")
          #expect(error.description.contains("not allowed"))
        }
      }
    }
  }

  @Test(
    "once a job id is known, only FAILED, an unknown job, the deadline or an unusable result leave the collectable states"
  )
  func moneyRule() throws {
    let leaving = Lifecycle.transitions.filter { transition in
      guard let from = transition.from, Lifecycle.isCollectable(from), transition.onlyWhen == nil else {
        return false
      }
      guard let to = transition.to else { return true }
      return !Lifecycle.isCollectable(to)
    }
    #expect(Set(leaving.map(\.event)) == [.serviceFailed, .deadlinePassed, .jobUnknown, .resultUnusable])
    // Nothing in the table makes a paid entry uncertain or missing.
    #expect(
      !Lifecycle.transitions.contains {
        ($0.from == .running || $0.from == .done) && ($0.to == .uncertain || $0.to == nil)
      })
  }

  @Test(
    "an unusable result keeps the entry collectable for 2 runs and ends it in the 3rd: failed when refused, lost when gone"
  )
  func unusableResultPolicy() throws {
    for gone in [false, true] {
      var entry = Self.entry(.running)
      for run in 1...Lifecycle.unusableRunLimit {
        entry = try Lifecycle.apply(
          .resultUnusable(reason: "r", gone: gone, at: "t\(run)"), to: entry, pair: Self.pair)
        if run < Lifecycle.unusableRunLimit {
          #expect(entry?.state == .running)
          #expect(entry?.unusableRuns == run)
          #expect(entry?.message?.contains("\(run) of 3 runs") == true)
        }
      }
      #expect(entry?.state == (gone ? .lost : .failed))
      #expect(entry?.jobId == "J1")
      #expect(entry?.finishedAt == "t3")
      #expect(entry?.unusableRuns == nil)
    }
  }

  @Test("an unusable result ends a running entry only in its third run after --job-deadline has passed")
  func unusableBeforeTheDeadline() throws {
    for gone in [false, true] {
      var entry = Self.entry(.running)
      for run in 1...5 {
        entry = try Lifecycle.apply(
          .resultUnusable(reason: "r", gone: gone, at: "t", deadlinePassed: false), to: entry, pair: Self.pair
        )
        #expect(entry?.state == .running && entry?.unusableRuns == run && entry?.jobId == "J1")
      }
      #expect(entry?.message?.contains("given up once --job-deadline has passed") == true)
      entry = try Lifecycle.apply(
        .resultUnusable(reason: "r", gone: gone, at: "t", deadlinePassed: true), to: entry, pair: Self.pair)
      #expect(entry?.state == (gone ? .lost : .failed) && entry?.message?.contains("in 6 runs") == true)
    }
  }

  @Test("a failed restore leaves a done record exactly as it was, in any number of runs")
  func failedRestoreKeepsRecord() throws {
    var done = try #require(Self.entry(.done))
    done.sha256 = Self.result.sha256
    for gone in [false, true] {
      var entry: LockEntry? = done
      for run in 1...(Lifecycle.unusableRunLimit + 2) {
        entry = try Lifecycle.apply(
          .resultUnusable(reason: "r", gone: gone, at: "t\(run)"), to: entry, pair: Self.pair)
      }
      #expect(entry == done)
    }
  }

  @Test(
    "an installed result clears the count of unusable runs and keeps finishedAt when the bytes are unchanged")
  func installClearsCount() throws {
    var entry = try Lifecycle.apply(
      .resultUnusable(reason: "r", gone: false, at: "t"), to: Self.entry(.running), pair: Self.pair)
    entry = try Lifecycle.apply(
      .resultInstalled(Self.result, jobId: "J1", quota: 2, at: "t1"), to: entry, pair: Self.pair)
    #expect(
      entry?.state == .done && entry?.unusableRuns == nil && entry?.message == nil
        && entry?.finishedAt == "t1")
    entry = try Lifecycle.apply(
      .resultInstalled(Self.result, jobId: "J1", quota: 2, at: "t2"), to: entry, pair: Self.pair)
    #expect(entry?.finishedAt == "t1")
    #expect(entry?.sha256 == Self.result.sha256 && entry?.imageType == "png" && entry?.quota == 2)
  }

  @Test("a submit: intent, then job id, or back to what it was, or uncertain; a stale entry starts afresh")
  func submitPath() throws {
    let stale = Self.entry(.done, pair: Self.other)
    let intent = try Lifecycle.apply(.submitIntended(at: "t"), to: stale, pair: Self.pair)
    #expect(
      intent?.state == .submitting && intent?.pair == Self.pair && intent?.jobId == nil
        && intent?.submittedAt == "t")
    #expect(try Lifecycle.apply(.jobCreated(jobId: "J9"), to: intent, pair: Self.pair)?.jobId == "J9")
    #expect(try Lifecycle.apply(.submitWithdrawn(restoring: stale), to: intent, pair: Self.pair) == stale)
    let lost = try Lifecycle.apply(.submitAnswerLost(reason: "reset"), to: intent, pair: Self.pair)
    #expect(lost?.state == .uncertain && lost?.message == "reset")
    // A running entry of another pair is stale: its job events no longer apply.
    #expect(throws: LifecycleError.self) {
      try Lifecycle.apply(
        .serviceFailed(message: "x", quota: nil, at: "t"), to: Self.entry(.running, pair: Self.other),
        pair: Self.pair)
    }
  }

  @Test("a submit for new inputs gives up only a job of the old inputs still running")
  func jobGivenUp() {
    #expect(Lifecycle.jobGivenUp(at: Self.entry(.running, pair: Self.other), for: Self.pair) == "J1")
    #expect(Lifecycle.jobGivenUp(at: Self.entry(.running), for: Self.pair) == nil)
    for state in Self.states where state != .running {
      #expect(
        Lifecycle.jobGivenUp(at: Self.entry(state, pair: Self.other), for: Self.pair) == nil,
        "\(String(describing: state))")
    }
  }

  @Test(
    "adopting records the file's facts, marks it adopted, and buys nothing; a job-less record may be bought")
  func adopt() throws {
    let adopted = try Lifecycle.apply(.adopted(Self.result), to: nil, pair: Self.pair)
    #expect(adopted?.state == .done && adopted?.adopted == true && adopted?.jobId == nil)
    #expect(adopted?.size == 10 && adopted?.sha256 == Self.result.sha256)
    #expect(try Lifecycle.apply(.submitIntended(at: "t"), to: adopted, pair: Self.pair)?.state == .submitting)
    #expect(throws: LifecycleError.self) {
      try Lifecycle.apply(.submitIntended(at: "t"), to: Self.entry(.done), pair: Self.pair)
    }
    #expect(
      try Lifecycle.apply(
        .submitIntended(at: "t"), to: Self.entry(.running, pair: Self.other), pair: Self.pair) != nil)
  }

  @Test("Retry-After: seconds, IMF-fixdate, RFC 850 and asctime dates; past dates are 0; garbage is nil")
  func retryAfter() {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
    #expect(HTTPResponse.retryDelay("120", now: now) == .seconds(120))
    #expect(HTTPResponse.retryDelay("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == .seconds(10))
    #expect(HTTPResponse.retryDelay("Sunday, 06-Nov-94 08:49:57 GMT", now: now) == .seconds(20))
    #expect(HTTPResponse.retryDelay("Sun Nov  6 08:50:07 1994", now: now) == .seconds(30))
    #expect(HTTPResponse.retryDelay("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
    #expect(HTTPResponse.retryDelay("soon", now: now) == nil)
    #expect(HTTPResponse.retryDelay("99999", now: now) == .seconds(3600))
  }
}
