import Foundation
import SwapSyncKit
import Testing

/// The service's text reaches the terminal escaped (docs/safety.md): a hostile failure message
/// can neither recolour the output, retitle the terminal, forge a line in a cron log nor turn
/// text around. What is stored keeps the message as the service sent it.
@Suite("server text on the terminal", .timeLimit(.minutes(3)))
struct ServerTextEscapingTests {
  /// SGR colour, an OSC title ended by BEL, CR LF and a forged line, a right-to-left override.
  static let hostile = "bad\u{1B}[31mRED\u{1B}]0;HACKED\u{07} \r\nfake: line\u{202E}evil"

  @Test("a failure message with control characters is shown escaped by sync and status, and stored as sent")
  func hostileFailureMessage() async throws {
    let emulator = try await Emulator(arguments: ["--job-duration", "0ms"])
    let config = try JSONSerialization.data(withJSONObject: ["failWhen": ["target-esc": Self.hostile]])
    try await emulator.configure(String(decoding: config, as: UTF8.self))
    let sandbox = try Sandbox()
    try sandbox.writeManifest([
      ("a.png", emulator.sample("target-beach") + "?target-esc", emulator.sample("face-alice"))
    ])
    let sync = try await sandbox.swapsync(Faults.sync + ["--verbose"], emulator: emulator)
    #expect(sync.status == 1, "\(sync.stderr)")
    let status = try await sandbox.swapsync(["status"], emulator: nil)
    #expect(status.status == 1, "\(status.stderr)")
    for (place, text) in [("sync's stderr", sync.stderr), ("status's stdout", status.stdout)] {
      let bytes = Array(text.utf8)
      #expect(!bytes.contains(0x1B), "\(place) holds ESC: \(text)")
      #expect(!bytes.contains(0x07), "\(place) holds BEL: \(text)")
      #expect(!bytes.contains(0x0D), "\(place) holds CR: \(text)")
      #expect(!text.unicodeScalars.contains("\u{202E}"), "\(place) holds U+202E: \(text)")
      #expect(
        text.contains(#"bad\u{1B}[31mRED\u{1B}]0;HACKED\u{7} \u{D}\u{A}fake: line\u{202E}evil"#),
        "\(place): \(text)")
      #expect(!text.split(separator: "\n").contains { $0.hasPrefix("fake: line") }, "\(place): \(text)")
    }
    // Stored as the service sent it, JSON-escaped where JSON is the form.
    let entry = try #require(try await Faults.statuses(sandbox)["a.png"])
    #expect(entry.status == .failed)
    #expect(entry.detail?.contains(Self.hostile) == true, "\(String(describing: entry.detail))")
    let lockfile = String(decoding: try #require(sandbox.read("swaps.lock.json")), as: UTF8.self)
    #expect(lockfile.contains(#"bad\u001b[31mRED\u001b]0;HACKED\u0007 \r\nfake: line"#), "\(lockfile)")
  }
}
