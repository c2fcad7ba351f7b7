import CCurl
import Foundation
import Synchronization

/// A thread that owns one libcurl multi handle and drives every transfer added to it.
///
/// Other threads only enqueue work under `pending` and call `curl_multi_wakeup`, which libcurl
/// documents as safe from any thread; everything else about the multi handle and its easy
/// handles happens on `thread`.
final class CurlMultiLoop: @unchecked Sendable {
  /// The multi handle; used by `thread` only (plus thread-safe `curl_multi_wakeup`).
  private let multi: UnsafeMutableRawPointer
  private let pending = Mutex(PendingWork())
  /// Transfers inside the multi handle, keyed by id. Touched by `thread` only.
  private var active: [Int: CurlTransfer] = [:]
  /// The id of each active transfer's easy handle, for `curl_multi_info_read`. `thread` only.
  private var ids: [UnsafeMutableRawPointer: Int] = [:]
  /// Cancellations that arrived before their transfer did; applied when it is added.
  /// Touched by `thread` only.
  private var cancelledEarly: Set<Int> = []
  private var thread: Thread?

  private struct PendingWork {
    var additions: [CurlTransfer] = []
    var cancellations: Set<Int> = []
    var stopping = false
  }

  /// - Parameter name: the thread's name, as `ps -L` and debuggers show it.
  init(name: String) {
    CurlGlobal.initialize()
    guard let multi = curl_multi_init() else {
      // curl_multi_init fails only when malloc fails; nothing sensible can continue.
      fatalError("curl_multi_init failed: out of memory")
    }
    self.multi = multi
    let thread = Thread { [self] in run() }
    thread.name = name
    self.thread = thread
    thread.start()
  }

  /// Hands a configured transfer to the loop; `transfer` is owned by the loop from now on.
  func enqueue(_ transfer: CurlTransfer) {
    pending.withLock { $0.additions.append(transfer) }
    curl_multi_wakeup(multi)
  }

  /// Removes the transfer if it is still running; its continuation then resumes with
  /// `CURLE_ABORTED_BY_CALLBACK`.
  func cancel(id: Int) {
    pending.withLock { _ = $0.cancellations.insert(id) }
    curl_multi_wakeup(multi)
  }

  /// Stops the thread after the running transfers are cancelled. Used by tests and shutdown.
  func stop() {
    pending.withLock { $0.stopping = true }
    curl_multi_wakeup(multi)
  }

  private func run() {
    while true {
      let work = pending.withLock { work -> PendingWork in
        defer { work.additions = []; work.cancellations = [] }
        return work
      }
      for transfer in work.additions {
        let code = curl_multi_add_handle(multi, transfer.easy)
        if code != CURLM_OK {
          // Not in the multi handle: the request never left (`HTTPError.setupFailed`).
          transfer.complete(code: CURLE_FAILED_INIT, detail: Self.describe(code, in: "curl_multi_add_handle"))
          continue
        }
        active[transfer.id] = transfer
        ids[transfer.easy] = transfer.id
      }
      for id in cancelledEarly.union(work.cancellations) {
        if active[id] != nil {
          cancelledEarly.remove(id)
          finish(id, code: CURLE_ABORTED_BY_CALLBACK)
        } else {
          // Not added yet (HTTPEngine registers a transfer just before enqueueing it), or already
          // finished; kept so that a late addition is cancelled at once. Bounded by the
          // transfers in flight when a run stops.
          cancelledEarly.insert(id)
        }
      }
      if work.stopping {
        for id in Array(active.keys) { finish(id, code: CURLE_ABORTED_BY_CALLBACK) }
        curl_multi_cleanup(multi)
        return
      }
      var running: Int32 = 0
      let performed = curl_multi_perform(multi, &running)
      if performed != CURLM_OK { failActive(performed, in: "curl_multi_perform") }
      var queued: Int32 = 0
      while let message = curl_multi_info_read(multi, &queued) {
        guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
        if let id = ids[easy] { finish(id, code: message.pointee.data.result) }
      }
      var events: Int32 = 0
      let polled = curl_multi_poll(multi, nil, 0, 1000, &events)
      if polled != CURLM_OK {
        failActive(polled, in: "curl_multi_poll")
        // Not a spin at full speed if the failure lasts; new transfers still get their try.
        usleep(10_000)
      }
    }
  }

  private func finish(_ id: Int, code: CURLcode, detail: String? = nil) {
    guard let transfer = active.removeValue(forKey: id) else { return }
    ids[transfer.easy] = nil
    // Fails only for a handle not in this multi handle, which `active` rules out; the transfer
    // ends either way.
    _ = curl_multi_remove_handle(multi, transfer.easy)
    transfer.complete(code: code, detail: detail)
  }

  /// Ends every active transfer after the multi handle itself failed (out of memory, an
  /// unusable poll): their requests may have left, so they end as receive errors.
  private func failActive(_ code: CURLMcode, in function: String) {
    let detail = Self.describe(code, in: function)
    for id in Array(active.keys) { finish(id, code: CURLE_RECV_ERROR, detail: detail) }
  }

  private static func describe(_ code: CURLMcode, in function: String) -> String {
    "\(function) failed: \(String(cString: curl_multi_strerror(code)))"
  }
}

/// Process-wide libcurl setup, done exactly once before any handle exists.
enum CurlGlobal {
  private static let once: Void = {
    curl_global_init(Int(CURL_GLOBAL_ALL))
    // With CURLOPT_NOSIGNAL, libcurl relies on the process ignoring SIGPIPE.
    swapsync_ignore_sigpipe()
  }()

  static func initialize() { _ = once }
}
