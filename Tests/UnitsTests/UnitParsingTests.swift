import Testing
import Units

@Suite("UnitParsing", .timeLimit(.minutes(3)))
struct UnitParsingTests {
  @Test(
    "durations",
    arguments: [
      ("250ms", Duration.milliseconds(250)), ("5s", .seconds(5)), ("10m", .seconds(600)),
      ("1h", .seconds(3600)),
      ("1h30m", .seconds(5400)), ("1.5s", .milliseconds(1500)), ("0", .zero), ("0s", .zero),
      ("2d", .seconds(172_800)),
      ("24h", .seconds(86_400)), ("1h30m15s250ms", .milliseconds(5_415_250)), ("0.001s", .milliseconds(1)),
      ("1.123456789s", .nanoseconds(1_123_456_789)), ("0.5h", .seconds(1800)), ("1d12h", .seconds(129_600)),
      ("90m", .seconds(5400)), ("100000d", .seconds(8_640_000_000)),
    ])
  func duration(text: String, expected: Duration) {
    #expect(UnitParsing.duration(text) == expected)
  }

  @Test(
    "rejected durations",
    arguments: [
      "", "-5s", "+5s", "5", "30", "5 s", " 5s", "5s ", "5S", "5sec", "5min", "1m1h", "1h1h", "1s1ms1s",
      "1.s",
      ".5s", "1..5s", "s", "ms", "1e3s", "1.1234567891s", "99999999999999999999s", "300000d", "1_000s", "١s",
      "5ns", "5us", "1h-30m", "0.0",
    ])
  func rejectedDuration(text: String) {
    #expect(UnitParsing.duration(text) == nil)
  }

  @Test("the largest representable duration, and one nanosecond more")
  func durationOverflow() {
    // Int64.max nanoseconds is about 106751d; 106752d does not fit.
    #expect(UnitParsing.duration("106751d") == .seconds(106_751 * 86_400))
    #expect(UnitParsing.duration("106752d") == nil)
  }

  @Test(
    "byte sizes",
    arguments: [
      ("0", 0), ("1048576", 1_048_576), ("512KiB", 524_288), ("64MiB", 67_108_864), ("1GiB", 1_073_741_824),
      ("1TiB", 1_099_511_627_776), ("1KB", 1_000), ("5MB", 5_000_000), ("2GB", 2_000_000_000),
      ("1TB", 1_000_000_000_000), ("64mib", 67_108_864), ("64MIB", 67_108_864), ("1.5GiB", 1_610_612_736),
      ("0.5KiB", 512), ("10B", 10), ("1.0001KiB", 1024), ("9223372036854775807", Int.max),
    ])
  func byteSize(text: String, expected: Int) {
    #expect(UnitParsing.byteSize(text) == expected)
  }

  @Test(
    "rejected byte sizes",
    arguments: [
      "", "-1", "+1", "1.5", "64 MiB", "64M", "64K", "64MiBs", "KiB", "9223372036854775808", "9999999TiB",
      "8388608TiB", "1e6", " 1", "1.KiB", "1.1234567891GiB", "0x10", "١٠",
    ])
  func rejectedByteSize(text: String) {
    #expect(UnitParsing.byteSize(text) == nil)
  }

  @Test(
    "formatting durations for messages",
    arguments: [
      (Duration.seconds(86_400), "24h"), (.seconds(1800), "30m"), (.seconds(5), "5s"),
      (.milliseconds(250), "250ms"),
      (.seconds(5400), "1h30m"), (.zero, "0s"), (.milliseconds(1500), "1s500ms"), (.nanoseconds(10), "0ms"),
      (.seconds(3_600_000), "1000h"), (.milliseconds(-250), "-250ms"),
    ])
  func formatDuration(duration: Duration, expected: String) {
    #expect(UnitParsing.format(duration: duration) == expected)
  }

  @Test("formatted durations parse back to the same value")
  func roundTrip() {
    for text in ["24h", "30m", "5s", "250ms", "1h30m", "1h30m15s250ms", "0s"] {
      let parsed = UnitParsing.duration(text)
      #expect(parsed.map { UnitParsing.format(duration: $0) } == text)
    }
  }

  @Test("formatting sizes for messages")
  func formatBytes() {
    #expect(UnitParsing.format(bytes: 64 << 20) == "64 MiB")
    #expect(UnitParsing.format(bytes: 512 << 10) == "512 KiB")
    #expect(UnitParsing.format(bytes: 3 << 29) == "1.5 GiB")
    #expect(UnitParsing.format(bytes: 1000) == "1000 bytes")
    #expect(UnitParsing.format(bytes: 1) == "1 byte")
    #expect(UnitParsing.format(bytes: 0) == "0 bytes")
  }

  @Test(
    "the emulator's flags and fault arguments",
    arguments: [
      ("50ms", Duration.milliseconds(50)), ("0ms", .zero), ("300ms", .milliseconds(300)),
      ("1500ms", .milliseconds(1500)),
      ("3s", .seconds(3)), ("60s", .seconds(60)), ("10m", .seconds(600)), ("1h", .seconds(3600)),
    ])
  func emulatorDurations(text: String, expected: Duration) {
    #expect(UnitParsing.duration(text) == expected)
  }

  @Test("the emulator's sizes, up to the 4GiB gzipBomb limit")
  func emulatorSizes() {
    #expect(UnitParsing.byteSize("3MiB") == 3 << 20)
    #expect(UnitParsing.byteSize("20MiB") == 20 << 20)
    #expect(UnitParsing.byteSize("256MiB") == 256 << 20)
    #expect(UnitParsing.byteSize("4GiB") == 1 << 32)
    #expect(UnitParsing.byteSize("5GiB") == 5 << 30)
    #expect(UnitParsing.byteSize("1b") == 1)
  }

  /// The emulator's own parser took a bare number as milliseconds and trimmed spaces; the shared one
  /// asks for a unit, as swapsync always did.
  @Test(
    "spellings the emulator's old parser took are rejected",
    arguments: ["500", "  5s", "2s\n", "soon", "1.5"])
  func formerEmulatorSpellings(text: String) {
    #expect(UnitParsing.duration(text) == nil)
  }

  @Test(
    "whole milliseconds, rounded toward zero",
    arguments: [
      (Duration.zero, Int64(0)), (.milliseconds(250), 250), (.nanoseconds(1_999_999), 1),
      (.seconds(3600), 3_600_000),
      (.nanoseconds(-1_999_999), -1), (.milliseconds(-250), -250), (.seconds(Int64.max), Int64.max),
      (.seconds(Int64.min), Int64.min),
    ])
  func milliseconds(duration: Duration, expected: Int64) {
    #expect(UnitParsing.milliseconds(duration) == expected)
  }
}
