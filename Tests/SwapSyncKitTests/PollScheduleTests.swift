import Testing

@testable import SwapSyncKit

/// When an unfinished job is polled again (README, "--poll-interval").
@Suite("poll schedule", .timeLimit(.minutes(3)))
struct PollScheduleTests {
  @Test("the first delay is --poll-interval, and it is the smallest")
  func firstDelay() {
    let schedule = PollSchedule(first: .seconds(5))
    #expect(schedule.delay(waited: .zero) == .seconds(5))
    #expect(schedule.delay(waited: .seconds(30)) == .seconds(5))
  }

  @Test("later delays are a tenth of the time waited, so a result is seen within ~10 % of its time")
  func proportional() {
    let schedule = PollSchedule(first: .milliseconds(100))
    #expect(schedule.delay(waited: .seconds(1)) == .milliseconds(100))
    #expect(schedule.delay(waited: .seconds(3)) == .milliseconds(300))
    #expect(schedule.delay(waited: .seconds(120)) == .seconds(12))
  }

  @Test("a job of hours is polled once a minute, unless --poll-interval asks for less often")
  func capped() {
    #expect(PollSchedule(first: .seconds(5)).delay(waited: .seconds(7_200)) == .seconds(60))
    #expect(PollSchedule(first: .seconds(90)).delay(waited: .seconds(7_200)) == .seconds(90))
  }

  @Test("polls for a 1 s job with a 100 ms first delay: ten, and the last within 100 ms of its end")
  func pollsOfOneSecondJob() {
    let schedule = PollSchedule(first: .milliseconds(100))
    var waited = Duration.milliseconds(100)
    var polls = [waited]
    while waited < .seconds(1) {
      waited += schedule.delay(waited: waited)
      polls.append(waited)
    }
    #expect(polls.count == 10)
    #expect(waited - .seconds(1) <= .milliseconds(100))
  }
}
