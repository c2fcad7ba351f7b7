/// Turns a parsed manifest document into checked entries, stopping at the first problem found.
///
/// Checks run in a fixed order so messages are deterministic: the top level's type and `version`
/// first (a newer version may have other keys), then unknown keys, `outputDir`, `hookUrl`, every
/// swap in order, every matrix block in order, and finally collisions between outputs.
struct ManifestDecoder {
  static let supportedVersion = 1
  static let topLevelKeys = ["version", "outputDir", "hookUrl", "swaps", "matrix", "cache"]
  static let swapKeys = ["output", "targetImage", "swapImage", "hookUrl"]
  /// The most entries one manifest may expand to: a guard against a matrix typo buying (or merely
  /// expanding) millions of swaps.
  static let maxEntries = 100_000

  /// The manifest path as the user gave it, for messages.
  let file: String
  let allowHTTP: Bool

  /// The decoded, unsorted entries in document order (swaps, then matrix blocks), with the
  /// top-level `outputDir` and `cache` as written.
  func decode(_ root: JSONValue) throws(ManifestError) -> (
    outputDir: String?, cache: String?, entries: [ManifestEntry]
  ) {
    guard case .object(let top) = root else {
      throw fail(.root, "expected an object, found \(root.kindDescription)")
    }
    try checkVersion(top)
    try checkKeys(top, allowed: Self.topLevelKeys, required: [], at: .root)
    var outputDir: String?
    if let value = member(top, "outputDir") {
      outputDir = try checkOutputDir(value, at: JSONPath.root.appending("outputDir"))
    }
    var cache: String?
    if let value = member(top, "cache") {
      let path = JSONPath.root.appending("cache")
      let text = try string(value, at: path)
      if let problem = CacheLocation.problem(with: text) { throw fail(path, problem) }
      cache = text
    }
    let topHook = try optionalURL(top, "hookUrl", in: .root)
    var entries: [ManifestEntry] = []
    if let swaps = member(top, "swaps") {
      let path = JSONPath.root.appending("swaps")
      // One string per distinct face URL: a face is usually shared by many swaps, and 100,000
      // copies of one URL are 9 MB (matrix entries share their strings already).
      var faces = Set<String>()
      for (index, swap) in try array(swaps, at: path).enumerated() {
        var entry = try decodeSwap(swap, at: path.appending(index), inheritedHook: topHook)
        entry.pair.swapImage = faces.insert(entry.pair.swapImage).memberAfterInsert
        entries.append(entry)
      }
    }
    if let matrix = member(top, "matrix") {
      let path = JSONPath.root.appending("matrix")
      for (index, block) in try array(matrix, at: path).enumerated() {
        entries += try decodeMatrixBlock(
          block, at: path.appending(index), block: index, inheritedHook: topHook,
          earlierEntries: entries.count)
      }
    }
    try ManifestCollisions.check(entries, file: file)
    return (outputDir, cache, entries)
  }

  private func checkVersion(_ top: [JSONMember]) throws(ManifestError) {
    let supported = Self.supportedVersion
    guard let version = member(top, "version") else {
      throw fail(.root, "missing required key \"version\" (add \"version\": \(supported))")
    }
    let path = JSONPath.root.appending("version")
    guard case .number(let text) = version else {
      throw fail(path, "expected the number \(supported), found \(version.kindDescription)")
    }
    guard Double(text) == Double(supported) else {
      throw fail(path, "unsupported manifest version \(text) (this swapsync reads version \(supported))")
    }
  }

  private func checkOutputDir(_ value: JSONValue, at path: JSONPath) throws(ManifestError) -> String {
    let text = try string(value, at: path)
    if text.isEmpty {
      throw fail(path, "must not be empty (leave it out to use the default \"out\")")
    }
    if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      throw fail(path, "contains a control character")
    }
    return text
  }

  private func decodeSwap(
    _ value: JSONValue, at path: JSONPath, inheritedHook: String?
  ) throws(ManifestError) -> ManifestEntry {
    let members = try object(value, at: path)
    try checkKeys(
      members, allowed: Self.swapKeys, required: ["output", "targetImage", "swapImage"], at: path)
    let outputPath = path.appending("output")
    let output = try string(member(members, "output"), at: outputPath)
    if let problem = OutputPath.problem(with: output) {
      throw fail(outputPath, problem)
    }
    let target = try url(member(members, "targetImage"), at: path.appending("targetImage"))
    let face = try url(member(members, "swapImage"), at: path.appending("swapImage"))
    let hook = try optionalURL(members, "hookUrl", in: path) ?? inheritedHook
    return ManifestEntry(
      output: output, pair: SwapPair(targetImage: target, swapImage: face), hookUrl: hook,
      origin: path.description)
  }

  // MARK: - Shared checks

  func fail(_ path: JSONPath, _ message: String) -> ManifestError {
    ManifestError(path: file, location: path.description, message: message)
  }

  func member(_ members: [JSONMember], _ key: String) -> JSONValue? {
    members.first { $0.key == key }?.value
  }

  /// Rejects keys not in `allowed` (in document order, suggesting a near miss), then reports the
  /// first key of `required` that is absent.
  func checkKeys(
    _ members: [JSONMember], allowed: [String], required: [String], at path: JSONPath
  ) throws(ManifestError) {
    for member in members where !allowed.contains(member.key) {
      let key = JSONPath.quoted(member.key)
      if let nearest = KeySuggestion.nearest(to: member.key, in: allowed) {
        throw fail(path, "unknown key \(key) (did you mean \"\(nearest)\"?)")
      }
      throw fail(path, "unknown key \(key) (allowed keys: \(allowed.joined(separator: ", ")))")
    }
    for key in required where member(members, key) == nil {
      throw fail(path, "missing required key \"\(key)\"")
    }
  }

  func object(_ value: JSONValue?, at path: JSONPath) throws(ManifestError) -> [JSONMember] {
    guard case .object(let members) = value else {
      throw fail(path, "expected an object, found \(value?.kindDescription ?? "nothing")")
    }
    return members
  }

  func array(_ value: JSONValue, at path: JSONPath) throws(ManifestError) -> [JSONValue] {
    guard case .array(let elements) = value else {
      throw fail(path, "expected an array, found \(value.kindDescription)")
    }
    return elements
  }

  func string(_ value: JSONValue?, at path: JSONPath) throws(ManifestError) -> String {
    guard case .string(let text) = value else {
      throw fail(path, "expected a string, found \(value?.kindDescription ?? "nothing")")
    }
    return text
  }

  func url(_ value: JSONValue?, at path: JSONPath) throws(ManifestError) -> String {
    let text = try string(value, at: path)
    if let problem = URLPolicy.problem(with: text, allowHTTP: allowHTTP) {
      throw fail(path, problem)
    }
    return text
  }

  func optionalURL(_ members: [JSONMember], _ key: String, in path: JSONPath) throws(ManifestError) -> String?
  {
    guard let value = member(members, key) else { return nil }
    return try url(value, at: path.appending(key))
  }
}
