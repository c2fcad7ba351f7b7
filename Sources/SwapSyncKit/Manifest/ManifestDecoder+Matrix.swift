extension ManifestDecoder {
  static let matrixKeys = ["targets", "faces", "output", "hookUrl"]

  /// One dimension of a matrix block: `targets` or `faces`, as ordered (key, URL) pairs.
  private struct Dimension {
    var name: String  // "targets" / "faces"
    var placeholder: String  // "{target}" / "{face}"
    var items: [(key: String, url: String)]
    var path: JSONPath
  }

  /// Expands one `matrix` block into its cartesian product: targets in order, then faces in order.
  /// `earlierEntries` counts the entries before this block, for the `maxEntries` limit; `block` is
  /// the block's index in `matrix`.
  func decodeMatrixBlock(
    _ value: JSONValue, at path: JSONPath, block: Int, inheritedHook: String?, earlierEntries: Int
  ) throws(ManifestError) -> [ManifestEntry] {
    let members = try object(value, at: path)
    try checkKeys(members, allowed: Self.matrixKeys, required: ["targets", "faces", "output"], at: path)
    let targets = try dimension(members, "targets", placeholder: "{target}", noun: "target", in: path)
    let faces = try dimension(members, "faces", placeholder: "{face}", noun: "face", in: path)
    let outputPath = path.appending("output")
    let templateText = try string(member(members, "output"), at: outputPath)
    let template: OutputTemplate
    switch OutputTemplate.parse(templateText) {
    case .success(let parsed): template = parsed
    case .failure(let problem): throw fail(outputPath, problem.message)
    }
    let hook = try optionalURL(members, "hookUrl", in: path) ?? inheritedHook

    try checkPlaceholder(uses: template.usesTarget, targets, template: templateText, at: outputPath)
    try checkPlaceholder(uses: template.usesFace, faces, template: templateText, at: outputPath)
    if template.usesTarget { try checkKeysAsSegments(targets) }
    if template.usesFace { try checkKeysAsSegments(faces) }
    let product = targets.items.count * faces.items.count  // each is below 32 MiB, so no overflow
    if earlierEntries + product > Self.maxEntries {
      throw fail(
        path,
        "expands to \(product) outputs (\(targets.items.count) targets × \(faces.items.count) faces), "
          + "\(earlierEntries + product) in all; a manifest may ask for at most \(Self.maxEntries)")
    }

    var entries: [ManifestEntry] = []
    for (targetIndex, target) in targets.items.enumerated() {
      for (faceIndex, face) in faces.items.enumerated() {
        let output = template.render(target: target.key, face: face.key)
        if let problem = OutputPath.problem(with: output) {
          throw fail(
            outputPath,
            "\(shown(templateText)) gives \(shown(output)) for target \(shown(target.key)), "
              + "face \(shown(face.key)): \(problem)")
        }
        entries.append(
          ManifestEntry(
            output: output, pair: SwapPair(targetImage: target.url, swapImage: face.url), hookUrl: hook,
            origin: "\(path) (target \(target.key), face \(face.key))",
            matrix: MatrixCell(
              block: block, target: target.key, targetIndex: targetIndex, face: face.key,
              faceIndex: faceIndex)))
      }
    }
    return entries
  }

  /// `text` quoted for a message, shortened in the middle when it is very long.
  private func shown(_ text: String) -> String {
    guard text.count > 60 else { return JSONPath.quoted(text) }
    return JSONPath.quoted(String(text.prefix(40)) + "…" + String(text.suffix(12)))
  }

  /// Reads `targets` or `faces`: a non-empty object of key → image URL.
  private func dimension(
    _ members: [JSONMember], _ name: String, placeholder: String, noun: String, in block: JSONPath
  ) throws(ManifestError) -> Dimension {
    let path = block.appending(name)
    guard case .object(let pairs) = member(members, name) else {
      let found = member(members, name)?.kindDescription ?? "nothing"
      throw fail(path, "expected an object of \(noun) names to image URLs, found \(found)")
    }
    if pairs.isEmpty {
      throw fail(path, "is empty; name at least one \(noun), like {\"\(noun)1\": \"https://...\"}")
    }
    var items: [(key: String, url: String)] = []
    for pair in pairs {
      items.append((pair.key, try url(pair.value, at: path.appending(pair.key))))
    }
    return Dimension(name: name, placeholder: placeholder, items: items, path: path)
  }

  /// A template without a placeholder whose dimension has several keys writes one file many times.
  private func checkPlaceholder(
    uses: Bool, _ dimension: Dimension, template: String, at path: JSONPath
  ) throws(ManifestError) {
    guard !uses, dimension.items.count > 1 else { return }
    let shown = dimension.items.prefix(3).map(\.key).joined(separator: ", ")
    let more = dimension.items.count > 3 ? ", …" : ""
    throw fail(
      path,
      "\(JSONPath.quoted(template)) has no \(dimension.placeholder) placeholder, but \(dimension.name) has "
        + "\(dimension.items.count) keys (\(shown)\(more)), so they would all write the same file; "
        + "add \(dimension.placeholder) to the output")
  }

  /// A key substituted into an output path must be a single, ordinary path segment.
  private func checkKeysAsSegments(_ dimension: Dimension) throws(ManifestError) {
    for item in dimension.items {
      let key = item.key
      let reason: String?
      if key.isEmpty {
        reason = "it is empty"
      } else if key == "." || key == ".." {
        reason = "it is \"\(key)\""
      } else if key.contains("/") {
        reason = "it contains \"/\" (a key must be a single path segment)"
      } else if key.contains("\\") {
        reason = "it contains a backslash"
      } else if let control = key.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
        reason = "it contains a control character (\(OutputPath.scalarName(control)))"
      } else {
        reason = nil
      }
      if let reason {
        throw fail(
          dimension.path.appending(key),
          "key \(JSONPath.quoted(key)) cannot be used as \(dimension.placeholder) in an output path: "
            + reason
        )
      }
    }
  }
}
