import Foundation

/// The machine-local record of which objects are known to be in the cache
/// (`<outputDir>/.swapsync/cache-pushed.json`, docs/cache.md). An output whose SHA-256 is not
/// in it is a pending push: after a failed push, a crash, or a change of cache location, the
/// next run pushes it. Losing the file costs one look (a HEAD) per object, never a wrong answer.
struct CacheLedger: Codable, Equatable, Sendable {
  /// `CacheConfiguration.identity` of the cache these objects were seen in.
  var cache: String
  /// Lowercase hex SHA-256 of each object known to be there, sorted.
  var objects: [String]

  static let fileName = "cache-pushed.json"

  static func path(stateDir: String) -> String { stateDir + "/" + fileName }

  /// The objects known to be in the cache named `identity`; empty when the record is missing,
  /// unreadable or about another cache.
  static func known(stateDir: String, identity: String) -> Set<String> {
    guard let data = FileManager.default.contents(atPath: path(stateDir: stateDir)),
      let ledger = try? JSONDecoder().decode(CacheLedger.self, from: data), ledger.cache == identity
    else { return [] }
    return Set(ledger.objects)
  }

  /// Replaces the record atomically.
  static func save(_ objects: Set<String>, identity: String, stateDir: String) throws(FileSystemError) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let path = path(stateDir: stateDir)
    let bytes: Data
    do {
      bytes = try encoder.encode(CacheLedger(cache: identity, objects: objects.sorted()))
    } catch {
      throw .encoding(path: path, detail: "\(error)")
    }
    try AtomicFile.write(Array(bytes) + [UInt8(ascii: "\n")], to: path)
  }

  /// The verified outputs of `lock` that the manifest still wants, by object: what a push
  /// would upload. Outputs are sorted within each object; objects come in output order.
  static func candidates(_ lock: Lockfile, outputs: Set<String>) -> [(object: CacheObject, outputs: [String])]
  {
    var byObject: [CacheObject: [String]] = [:]
    var order: [CacheObject] = []
    let wanted = lock.entries.keys.filter(outputs.contains).sorted {
      $0.utf8.lexicographicallyPrecedes($1.utf8)
    }
    for output in wanted {
      guard let entry = lock.entries[output], entry.state == .done, let sha256 = entry.sha256,
        let size = entry.size
      else { continue }
      let object = CacheObject(
        sha256: sha256, size: size, imageType: entry.imageType.flatMap(ImageType.init(rawValue:)))
      guard object.isWellFormed else { continue }
      if byObject[object] == nil { order.append(object) }
      byObject[object, default: []].append(output)
    }
    return order.map { (object: $0, outputs: byObject[$0] ?? []) }
  }

  /// Outputs of `lock` not yet known to be in the cache (for `status` and the start of a run).
  static func pending(
    _ lock: Lockfile, outputs: Set<String>, identity: String, stateDir: String
  ) -> [String] {
    let known = known(stateDir: stateDir, identity: identity)
    return candidates(lock, outputs: outputs).filter { !known.contains($0.object.sha256) }.flatMap(\.outputs)
      .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }
}
