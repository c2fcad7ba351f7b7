import Crypto
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The no-op index: what a run that ended in sync saw, so that the next `sync`, `status` or
/// `plan` can answer without parsing the manifest or the lockfile (docs/performance.md).
///
/// Like git's index, it trusts stat data: the manifest's, the lockfile's and every output's
/// (size, mtime, ctime, inode, device, all in nanoseconds). It is written only when every
/// output is verified and no file changed in the two seconds before (git's "racy clean" rule),
/// and it is used only when the journal is empty and no run holds the lock; anything else means
/// "don't know", and the command takes the full path. Beside the stat data it keeps the rows
/// `status` showed for that state (done outputs and orphans), which depend only on the lockfile
/// and the manifest once the outputs match. It is machine-local: it lives under
/// `$XDG_CACHE_HOME/swapsync/noop/` (default `~/.cache`), named by a hash of the absolute
/// manifest path, the lockfile path, `--out`, `--allow-http` and `--cache`, because the output
/// folder is only known after parsing the manifest. The format is in NoopIndex+Format.swift.
public enum NoopIndex {
  /// Files changed this recently are not trusted from their stat data.
  public static let racyWindowNanoseconds: Int64 = 2_000_000_000

  /// What a valid index proves: the tree is as a run that ended in sync left it.
  public struct Proof: Sendable {
    /// The manifest's outputs, all verified.
    public var outputs: Int
    /// The output folder, as that run named it (`Workspace.outputRoot`).
    public var outputRoot: String
    /// Outputs in the lockfile that the manifest no longer names.
    public var orphans: Int
    /// Whether that run had a cache (then `status` takes the full path to say what is not in it).
    public var cacheConfigured: Bool
    /// The `status` rows of that state, sorted by output (bytewise); decoded only on request.
    public var reports: [EntryReport]?
  }

  /// Where the index for this invocation lives; nil when no cache folder can be named.
  public static func location(
    manifestPath: String, lockPath: String, out: String?, allowHTTP: Bool, cache: String? = nil,
    environment: [String: String]
  ) -> String? {
    let base: String
    if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      base = xdg
    } else if let home = environment["HOME"], home.hasPrefix("/") {
      base = home + "/.cache"
    } else {
      return nil
    }
    let key = [
      Posix.absolutePath(manifestPath), Posix.absolutePath(lockPath), out.map(Posix.absolutePath) ?? "",
      allowHTTP ? "allow-http" : "", cache ?? "",
      environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] ?? "",
    ].joined(separator: "\u{0}")
    let digest = Hex.string(SHA256.hash(data: Data(key.utf8)))
    return base + "/swapsync/noop/" + digest.prefix(32) + ".idx"
  }

  /// Checks the index at `path`: the manifest, the lockfile and every output have the stat data
  /// recorded, the journal and `.swapsync/tmp/` are empty and no run holds the lock. `withReports` also decodes the
  /// `status` rows. Nil when anything differs or cannot be read.
  public static func check(at path: String, manifestPath: String, lockPath: String, withReports: Bool)
    -> Proof?
  {
    check(
      at: path, manifestPath: manifestPath, lockPath: lockPath, withReports: withReports,
      outputsPerThread: Contents.outputsPerThread)
  }

  static func check(
    at path: String, manifestPath: String, lockPath: String, withReports: Bool, outputsPerThread: Int
  ) -> Proof? {
    guard let bytes = try? LockfileCodec.readBytes(path: path), let index = Contents(bytes) else {
      return nil
    }
    guard matches(manifestPath, index.manifest), matches(lockPath, index.lock) else { return nil }
    let stateDir = index.root + "/" + OutputPath.stateFolderName
    // A link as `.swapsync/` or as the journal proves nothing: the full path refuses it (73).
    var info = stat()
    if lstat(stateDir, &info) == 0, info.st_mode & S_IFMT != S_IFDIR { return nil }
    let journal: [UInt8]?
    do {
      journal = try LockfileCodec.readBytes(path: stateDir + "/journal.jsonl", flags: O_NOFOLLOW)
    } catch {
      return nil
    }
    guard journal?.isEmpty ?? true,
      RunLock.holder(stateDir: stateDir) == nil,
      holdsNothing(stateDir + "/tmp"),
      index.outputsMatch(outputsPerThread: outputsPerThread)
    else { return nil }
    // The rows are the outputs and the orphans: decoded only when asked for or when there are
    // orphans to count.
    guard let rows = index.rowCount else { return nil }
    var proof = Proof(
      outputs: index.outputOffsets.count, outputRoot: index.root, orphans: 0,
      cacheConfigured: index.cacheConfigured)
    if withReports || rows != proof.outputs {
      guard let reports = index.reports() else { return nil }
      proof.orphans = reports.count { $0.status == .orphan }
      if withReports { proof.reports = reports }
    }
    return proof
  }

  /// Whether `folder` is empty or absent. A temporary file left in `.swapsync/tmp/` by a killed
  /// run is removed only by a full `sync` (under the run lock), so it makes the index untrusted.
  private static func holdsNothing(_ folder: String) -> Bool {
    let fd = Posix.open(folder, O_RDONLY | O_DIRECTORY)
    if fd < 0 { return errno == ENOENT }
    defer { Posix.closeQuietly(fd) }
    return (try? FolderListing.names(in: fd, path: folder))?.isEmpty ?? false
  }

  /// Writes the index for a run that ended in sync: `outputs` are the manifest's outputs, all
  /// verified; `reports` the run's final `status` rows. Nothing is written (and an old index is
  /// removed) when a file is too recent to trust or anything cannot be read; errors never fail
  /// the run.
  public static func record(
    at path: String, manifestPath: String, lockPath: String, outputRoot: String, outputs: [String],
    reports: [EntryReport], cacheConfigured: Bool, racyWindow: Int64 = racyWindowNanoseconds
  ) {
    let now = StatCache.now()
    var files: [(name: String, stat: FileStat)] = []
    files.reserveCapacity(outputs.count + 2)
    for (name, file) in [(manifestPath, manifestPath), (lockPath, lockPath)]
      + outputs.map({ ($0, outputRoot + "/" + $0) })
    {
      guard let stat = statOf(file), stat.kind == .regular,
        stat.mtimeNanoseconds < now - racyWindow, stat.ctimeNanoseconds < now - racyWindow
      else {
        unlink(path)
        return
      }
      files.append((name, stat))
    }
    let bytes = Contents.encode(
      root: outputRoot, cacheConfigured: cacheConfigured, files: files, reports: reports)
    try? Posix.makeDirectories(Posix.directoryName(path))
    do {
      try AtomicFile.write(bytes, to: path)
    } catch {
      unlink(path)
    }
  }

  /// Forgets the index (a run that did not end in sync).
  public static func forget(at path: String) { unlink(path) }

  private static func statOf(_ path: String) -> FileStat? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return FileStat(info)
  }

  private static func matches(_ path: String, _ recorded: FileStat) -> Bool {
    guard let now = statOf(path) else { return false }
    return now == recorded
  }
}
