/// Rehashes every output the lockfile records as done (no stat cache) and compares. Outputs are
/// the same files `status` and `sync` look at: their NFC names under the output folder. An
/// orphan (docs/lockfile.md) whose file is gone is skipped.
public enum Verifier {
  /// One output whose bytes do not match the lockfile.
  public struct Mismatch: Sendable, Codable {
    public var output: String
    public var problem: String
  }

  public static func verify(_ workspace: Workspace) throws(SwapSyncFailure) -> (
    checked: Int, mismatches: [Mismatch]
  ) {
    let (lock, _) = try workspace.loadState()
    let files = OutputFiles.readOnly(root: workspace.outputRoot)
    let wanted = Set(workspace.manifest.entries.map(\.output))
    var mismatches: [Mismatch] = []
    var checked = 0
    for (output, entry) in lock.entries.sorted(by: { $0.key < $1.key }) where entry.state == .done {
      let check = files.check(output, entry)
      // An orphan whose file is gone is wanted by nobody (`prune` forgets it); changed bytes of
      // an orphan are still reported.
      if check == .missing, !wanted.contains(output) { continue }
      checked += 1
      switch check {
      case .matches: break
      case .missing: mismatches.append(Mismatch(output: output, problem: "missing"))
      case .differs(let why), .blocked(let why), .misrecorded(let why):
        mismatches.append(Mismatch(output: output, problem: why))
      }
    }
    return (checked, mismatches)
  }
}
