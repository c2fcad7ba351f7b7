/// Small pieces of English for messages.
public enum Wording {
  /// A count with its noun agreeing: "1 output", "3 outputs", "1 entry", "2 entries".
  public static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
  }
}
