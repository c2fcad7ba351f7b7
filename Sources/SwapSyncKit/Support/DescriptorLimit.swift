#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The open-file limit against what a run needs: one descriptor per connection and per
/// temporary file, plus the run's own (journal, lock, folders, libcurl's wake-up pipes). A
/// connection that finds no descriptor left fails like an unreachable server, so the limit is
/// raised up front where the hard limit allows (as Go's runtime does), and a limit still too low
/// is said before anything is bought.
public enum DescriptorLimit {
  /// `RLIM_INFINITY` (all bits set on Linux; Swift cannot import the C macro's `-1`).
  static let infinity = rlim_t.max

  /// Descriptors a run with these settings may hold at once, roughly: libcurl may keep idle
  /// connections open beside the busy ones.
  public static func needed(jobs: Int, downloads: Int) -> Int {
    64 + 2 * jobs + 3 * downloads
  }

  /// Raises the soft `RLIMIT_NOFILE` towards `needed` (up to the hard limit); returns a warning
  /// when the limit stays below it, else nil.
  public static func ensure(jobs: Int, downloads: Int) -> String? {
    let want = needed(jobs: jobs, downloads: downloads)
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
    if limit.rlim_cur != Self.infinity, limit.rlim_cur < rlim_t(want) {
      var raised = limit
      raised.rlim_cur = limit.rlim_max == Self.infinity ? rlim_t(want) : min(limit.rlim_max, rlim_t(want))
      if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
    }
    guard limit.rlim_cur != Self.infinity, limit.rlim_cur < rlim_t(want) else { return nil }
    return
      "the open-file limit (ulimit -n) is \(limit.rlim_cur), and --jobs \(jobs) --downloads \(downloads) "
      + "may need about \(want): connections may fail for lack of descriptors (reported as \"could not "
      + "connect\"); raise the limit or lower --jobs and --downloads"
  }
}
