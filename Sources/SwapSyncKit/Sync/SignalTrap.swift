import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Catches SIGINT, SIGTERM and SIGHUP for a run (docs/exit-codes.md, "Interrupts").
///
/// The first signal is handed to the current handler (`deliver`), which stops the run
/// gracefully; the process then exits with 128 + the signal number (130 for SIGINT, 143 for
/// SIGTERM, 129 for SIGHUP). A second signal exits at once with that status: every state change
/// is already in the fsynced journal, and the next run replays it (a submit sent but not
/// answered becomes `uncertain`, never `missing`).
public final class SignalTrap: Sendable {
  public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  private struct State: @unchecked Sendable {
    /// The sources must stay alive while the trap is installed. Touched under the mutex only.
    var sources: [any DispatchSourceSignal] = []
    var handler: (@Sendable (Int32) -> Void)?
    var received: Int32?
  }

  private let state = Mutex(State())

  /// Installs the trap for the whole process: the signals no longer kill it by default.
  public init() {
    let queue = DispatchQueue(label: "swapsync.signals")
    var sources: [any DispatchSourceSignal] = []
    for signalNumber in Self.signals {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
      source.setEventHandler { [weak self] in self?.received(signalNumber) }
      source.resume()
      sources.append(source)
    }
    state.withLock { $0.sources = sources }
  }

  /// The first signal received, if any.
  public var received: Int32? { state.withLock { $0.received } }

  /// Sets what the first signal does; a signal already received is delivered at once.
  public func deliver(to handler: @escaping @Sendable (Int32) -> Void) {
    let pending = state.withLock { state -> Int32? in
      state.handler = handler
      return state.received
    }
    if let pending { handler(pending) }
  }

  private func received(_ signalNumber: Int32) {
    let (first, handler) = state.withLock { state -> (Bool, (@Sendable (Int32) -> Void)?) in
      guard state.received == nil else { return (false, nil) }
      state.received = signalNumber
      return (true, state.handler)
    }
    guard first else { _exit(128 + signalNumber) }
    handler?(signalNumber)
  }
}
