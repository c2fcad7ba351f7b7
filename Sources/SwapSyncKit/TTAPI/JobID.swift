/// Checks on job ids, which come from the server and are untrusted (docs/safety.md).
public enum JobID {
  /// True for 1–128 characters of `A–Z a–z 0–9 - _ .`, with no `..`.
  public static func isSafe(_ id: String) -> Bool {
    guard (1...128).contains(id.utf8.count) else { return false }
    var previous: UInt8 = 0
    for byte in id.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
        break
      case UInt8(ascii: "."):
        if previous == byte { return false }  // ".."
      default:
        return false
      }
      previous = byte
    }
    return true
  }
}
