#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads, parses and validates a version-1 manifest file (docs/manifest.md).
public enum ManifestLoader {
  /// The largest manifest accepted, in bytes (32 MiB: room for the 100,000 entries a manifest may
  /// ask for, written out one by one).
  public static let maxBytes = 32 << 20

  /// Loads the manifest at `path`: reads it (at most 32 MiB), parses the JSON strictly, checks the
  /// schema, URLs and outputs, expands matrix blocks and returns the entries sorted by output
  /// (byte order). Entries that share a pair are all kept. Errors name `path` as given.
  public static func load(path: String, allowHTTP: Bool) throws(ManifestError) -> Manifest {
    let bytes = try readFile(path)
    return try parse(bytes, path: path, allowHTTP: allowHTTP)
  }

  /// Like `load`, for manifest bytes already in memory; `path` is only used in messages.
  public static func parse(_ bytes: [UInt8], path: String, allowHTTP: Bool) throws(ManifestError) -> Manifest
  {
    if bytes.count > maxBytes {
      throw ManifestError(path: path, location: nil, message: tooLargeMessage)
    }
    let root: JSONValue
    do {
      root = try JSONParser.parse(bytes)
    } catch {
      throw ManifestError(path: path, location: error.location, message: error.message)
    }
    let decoder = ManifestDecoder(file: path, allowHTTP: allowHTTP)
    let (outputDir, cache, entries) = try decoder.decode(root)
    let sorted = entries.sorted { $0.output.utf8.lexicographicallyPrecedes($1.output.utf8) }
    return Manifest(path: path, outputDir: outputDir, cache: cache, entries: sorted)
  }

  static let tooLargeMessage = "manifest is larger than 32 MiB"

  /// Reads the whole file, refusing folders and anything over `maxBytes` (checked while reading too,
  /// so a growing file or a pipe cannot get past the limit).
  static func readFile(_ path: String) throws(ManifestError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw fileError(path, errno) }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw fileError(path, errno) }
    if info.st_mode & S_IFMT == S_IFDIR {
      throw ManifestError(path: path, location: nil, message: "is a folder, not a manifest file")
    }
    if Int64(info.st_size) > Int64(maxBytes) {
      throw ManifestError(path: path, location: nil, message: tooLargeMessage)
    }
    var result: [UInt8] = []
    result.reserveCapacity(Int(max(0, info.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw fileError(path, errno)
      }
      if count == 0 { return result }
      result.append(contentsOf: chunk[0..<count])
      if result.count > maxBytes {
        throw ManifestError(path: path, location: nil, message: tooLargeMessage)
      }
    }
  }

  private static func fileError(_ path: String, _ code: Int32) -> ManifestError {
    let reason: String
    switch code {
    case ENOENT:
      reason =
        "no such file (pass the path of an existing manifest; `swapsync init` writes a starter swaps.json)"
    case EACCES: reason = "permission denied"
    case EISDIR: reason = "is a folder, not a manifest file"
    default: reason = String(cString: strerror(code))
    }
    return ManifestError(path: path, location: nil, message: "cannot read the manifest: \(reason)")
  }
}
