/// An async semaphore whose width can shrink when the service pushes back (429/499) and
/// grow again slowly after successes.
actor ConcurrencyLimit {
  private let maximum: Int
  private var limit: Int
  private var inUse = 0
  private var successesSinceChange = 0
  private var waiters: [CheckedContinuation<Void, Never>] = []

  init(_ maximum: Int) {
    self.maximum = max(1, maximum)
    self.limit = self.maximum
  }

  func acquire() async {
    if inUse < limit {
      inUse += 1
      return
    }
    await withCheckedContinuation { waiters.append($0) }
  }

  func release() {
    if let next = waiters.first, inUse <= limit {
      waiters.removeFirst()
      next.resume()  // the slot passes straight to the waiter
    } else {
      inUse -= 1
    }
  }

  /// The service said "too many": halve the width (at least 1).
  func pushBack() {
    limit = max(1, limit / 2)
    successesSinceChange = 0
  }

  /// A job went through: after a few in a row, widen by one up to the maximum.
  func succeeded() {
    guard limit < maximum else { return }
    successesSinceChange += 1
    if successesSinceChange >= 3 {
      limit += 1
      successesSinceChange = 0
      if let next = waiters.first, inUse < limit {
        waiters.removeFirst()
        inUse += 1
        next.resume()
      }
    }
  }
}
