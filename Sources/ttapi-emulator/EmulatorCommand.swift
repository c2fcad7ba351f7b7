import ArgumentParser
import TTAPIEmulator
import Units

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Command-line entry point of the TTAPI SwapFace emulator.
@main
struct EmulatorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ttapi-emulator",
    abstract: "Local emulator of the TTAPI SwapFace API, with fault injection, for tests and demos.",
    discussion: """
      Binds to a loopback address only and prints one line, `listening on http://HOST:PORT`, \
      once the port is bound. Control API (no key): GET /_emulator/stats, GET|POST /_emulator/config, \
      POST /_emulator/reset, POST /_emulator/finish. The stats' tricklesActive counts trickled \
      bodies still being written.

      Samples: GET /samples/face-NAME.png is a cartoon face and GET /samples/target-NAME.png a \
      scene (NAME: 1 to 64 of a-z 0-9 - _). A job's result is its target picture with the face \
      of its swap image pasted in the upper half; an input URL that is not a loopback sample URL \
      gets a picture derived from a hash of the URL. Results are 256x256 PNGs, the same bytes for \
      the same pair every time (--result-size pads them to a given size with a private chunk).

      Fault kinds (--fault ENDPOINT:KIND[:ARG][@RATE|#COUNT]; [..] lists the endpoints a kind \
      applies to; stats count each one under faultsInjected as ENDPOINT:KIND):

      """ + FaultKind.reference
  )

  @Option(help: "Loopback address to bind (127.0.0.0/8, ::1 or localhost).")
  var host = "127.0.0.1"

  @Option(help: "Port to bind; 0 picks a free one.")
  var port = 0

  @Option(help: "The key clients must send in TT-API-KEY.")
  var apiKey: String

  @Option(help: "Time from submit to a final status, e.g. 300ms, 5s, 10m, 1h.")
  var jobDuration = "300ms"

  @Option(help: "Delay before answering every API and CDN request.")
  var latency = "0ms"

  @Option(help: "SUBSTRING[=MESSAGE]: jobs whose targetImage or swapImage contains SUBSTRING end FAILED.")
  var failWhen: [String] = []

  @Option(help: "Seed for job ids and fault dice.")
  var seed: UInt64 = 1

  @Option(
    help: """
      ENDPOINT:KIND[:ARG][@RATE|#COUNT], e.g. cdn:trickle:200ms#1; ENDPOINT is submit, fetch, cdn \
      or discord; KIND is one of the fault kinds above.
      """)
  var fault: [String] = []

  @Option(help: "Most unfinished jobs at once; further submits get 499.")
  var maxRunning: Int?

  @Option(help: "Lifetime of handed-out result URLs.")
  var cdnTtl = "1h"

  @Option(help: "Pad every result PNG to this size (e.g. 4MiB) with a private ancillary chunk.")
  var resultSize: String?

  @Option(
    help: """
      Base URL of handed-out result URLs (BASE/cdn/<jobId>.png?...), e.g. a static server holding \
      copies of the results; default: the emulator itself.
      """)
  var cdnBase: String?

  @Flag(help: "Answer with the field drift seen in the wild (job_id, quota as string, ...).")
  var drift = false

  @Flag(help: "Log requests to stderr.")
  var verbose = false

  func run() async throws {
    let settings = try makeSettings()
    let server: EmulatorServer
    do {
      server = try EmulatorServer(settings: settings, verbose: verbose)
    } catch {
      throw ValidationError(error.description)
    }
    try await server.run { base in
      let line = Array("listening on \(base)\n".utf8)
      line.withUnsafeBytes { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
  }

  private func makeSettings() throws -> EmulatorSettings {
    func duration(_ text: String, _ flag: String) throws -> Duration {
      guard let value = UnitParsing.duration(text) else {
        throw ValidationError("\(flag): '\(text)' is not a duration (250ms, 5s, 10m, 1h)")
      }
      return value
    }
    var failures: [String: String] = [:]
    var rules: [FaultRule] = []
    do {
      for item in failWhen {
        let (substring, message) = try EmulatorSettings.parseFailWhen(item)
        failures[substring] = message
      }
      for item in fault { rules.append(try FaultRule.parse(item)) }
    } catch {
      throw ValidationError(error.description)
    }
    if let maxRunning, maxRunning < 0 { throw ValidationError("--max-running must be >= 0") }
    var size: Int?
    if let resultSize {
      guard let bytes = UnitParsing.byteSize(resultSize), bytes <= Int(Int32.max) else {
        throw ValidationError("--result-size: '\(resultSize)' is not a size (4MiB, 500KB, 1048576)")
      }
      size = bytes
    }
    var base: String?
    if let cdnBase {
      do {
        base = try EmulatorSettings.parseCDNBase(cdnBase)
      } catch {
        throw ValidationError("--cdn-base: \(error.description)")
      }
    }
    return EmulatorSettings(
      host: host,
      port: port,
      apiKey: apiKey,
      jobDuration: try duration(jobDuration, "--job-duration"),
      latency: try duration(latency, "--latency"),
      failWhen: failures,
      faults: rules,
      maxRunning: maxRunning,
      cdnTTL: try duration(cdnTtl, "--cdn-ttl"),
      drift: drift,
      seed: seed,
      resultSize: size,
      cdnBase: base
    )
  }
}
