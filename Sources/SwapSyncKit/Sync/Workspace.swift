import Foundation

/// Where one manifest's files live: the manifest, its lockfile and its output folder.
public struct Workspace: Sendable {
  public var manifest: Manifest
  public var lockPath: String
  /// The output folder, absolute.
  public var outputRoot: String
  /// Where verified outputs are kept by content, if anywhere (docs/cache.md).
  public var cache: CacheLocation?

  public var stateDir: String { outputRoot + "/" + OutputPath.stateFolderName }
  public var journalPath: String { stateDir + "/journal.jsonl" }

  /// Loads and validates the manifest (exit 65 on any problem) and resolves the paths:
  /// `--out` beats `outputDir`, which is relative to the manifest's folder (default `out`);
  /// the lockfile is `<manifest>.lock.json` beside the manifest unless `--lock` says otherwise.
  /// `--cache` beats the manifest's `cache`, and is resolved like `--out`.
  public static func open(
    manifestPath: String, out: String?, lock: String?, allowHTTP: Bool, cache: String? = nil
  ) throws(SwapSyncFailure) -> Workspace {
    let manifest: Manifest
    do {
      manifest = try ManifestLoader.load(path: manifestPath, allowHTTP: allowHTTP)
    } catch {
      throw SwapSyncFailure(.invalidInput, "\(error)")
    }
    let cwd = FileManager.default.currentDirectoryPath
    let manifestURL = URL(
      fileURLWithPath: manifestPath, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true))
    let manifestDir = manifestURL.deletingLastPathComponent()
    let outputURL: URL
    if let out {
      outputURL = URL(fileURLWithPath: out, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true))
    } else {
      outputURL = URL(fileURLWithPath: manifest.outputDir ?? "out", relativeTo: manifestDir)
    }
    let lockPath = lock ?? defaultLockPath(manifestPath: manifestPath)
    let cacheLocation: CacheLocation?
    switch (cache, manifest.cache) {
    case (let flag?, _):
      switch CacheLocation.parse(flag, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)) {
      case .success(let location): cacheLocation = location
      case .failure(let error): throw SwapSyncFailure(.usage, "--cache \(flag): \(error.message)")
      }
    case (nil, let written?):
      // Validated with the manifest already.
      cacheLocation = try? CacheLocation.parse(written, relativeTo: manifestDir).get()
    case (nil, nil):
      cacheLocation = nil
    }
    let outputRoot = outputURL.standardizedFileURL.path
    // A folder cache in the output folder would put its objects among the outputs, or in the
    // machine-local state a fresh clone never has (docs/cache.md).
    if case .folder(let folder)? = cacheLocation, Self.isInside(folder, outputRoot) {
      let source = cache.map { "--cache \($0)" } ?? "the manifest's cache"
      throw SwapSyncFailure(
        cache == nil ? .invalidInput : .usage,
        "\(source): the cache folder \(folder) is inside the output folder \(outputRoot); put it outside "
          + "(a shared drive, a folder beside the project), or use s3://")
    }
    // A file (or anything but a folder) where the output folder or one of its parents goes: said
    // with what named it, before any command reads `.swapsync/` through it.
    var path = outputRoot
    while true {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
        guard isFolder.boolValue else {
          let source =
            out.map { "--out \($0)" } ?? "the manifest's outputDir \"\(manifest.outputDir ?? "out")\""
          throw SwapSyncFailure(
            .cannotWrite,
            "\(source): \(path) is a file, not a folder; move it away or choose another output folder")
        }
        break
      }
      let parent = (path as NSString).deletingLastPathComponent
      guard parent != path, !parent.isEmpty else { break }
      path = parent
    }
    // Nothing of swapsync's own is read through a link, by any command (`sync` refuses to write
    // through one): `.swapsync/` itself a link is exit 73 everywhere.
    let stateDir = outputRoot + "/" + OutputPath.stateFolderName
    var info = stat()
    if lstat(stateDir, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
      throw SwapSyncFailure(.cannotWrite, "\(FileSystemError.symlinkRefused(path: stateDir))")
    }
    return Workspace(manifest: manifest, lockPath: lockPath, outputRoot: outputRoot, cache: cacheLocation)
  }

  /// Whether `path` is `folder` or inside it, as written or with symbolic links resolved (a link
  /// to the output folder is the output folder).
  static func isInside(_ path: String, _ folder: String) -> Bool {
    func inside(_ path: String, _ folder: String) -> Bool { path == folder || path.hasPrefix(folder + "/") }
    return inside(path, folder) || inside(Posix.realPath(path) ?? path, Posix.realPath(folder) ?? folder)
  }

  /// A note for a manifest whose lockfile does not exist yet while a lockfile beside it has lost
  /// its manifest (`X.lock.json` without `X.json`: the manifest renamed, its lockfile not, as in a
  /// `git mv` of the manifest alone); nil otherwise. Only the default lockfile name is judged.
  public static func renamedManifestNote(manifestPath: String, lock: String?) -> String? {
    let lockPath = defaultLockPath(manifestPath: manifestPath)
    guard lock == nil, !FileManager.default.fileExists(atPath: lockPath) else { return nil }
    let folder = Posix.directoryName(Posix.absolutePath(manifestPath))
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let strays = names.filter { name in
      name.hasSuffix(".lock.json") && !names.contains(String(name.dropLast(".lock.json".count)) + ".json")
    }.sorted()
    guard let stray = strays.first else { return nil }
    let strayPath = Posix.directoryName(lockPath) == "." ? stray : Posix.directoryName(lockPath) + "/" + stray
    return "note: \(lockPath) does not exist yet, and \(strayPath) has no manifest beside it "
      + "(\(stray.dropLast(".lock.json".count)).json is gone). If \(manifestPath) was renamed from it, rename the "
      + "lockfile too (`git mv \(strayPath) \(lockPath)`): otherwise its records are not used, and what they hold "
      + "is bought again"
  }

  /// `<manifest>.lock.json` beside the manifest (`swaps.json` → `swaps.lock.json`).
  public static func defaultLockPath(manifestPath: String) -> String {
    manifestPath.hasSuffix(".json")
      ? String(manifestPath.dropLast(5)) + ".lock.json" : manifestPath + ".lock.json"
  }

  /// The lockfile with the journal of an unfinished run replayed on top, plus the raw
  /// lockfile bytes as on disk.
  func loadState() throws(SwapSyncFailure) -> (lock: Lockfile, onDisk: [UInt8]?) {
    let state = try loadState(reusing: nil)
    return (state.lock, state.onDisk)
  }

  /// What `loadState` read, kept so that reading the same bytes again can skip decoding them.
  struct LoadedState: Sendable {
    var lock: Lockfile
    var onDisk: [UInt8]?
    var journal: [UInt8]?
    /// Whether the journal's records change the lockfile on disk (records that net to nothing,
    /// such as a submit's intent and its withdrawal, do not).
    var journalChanges = false
    /// Outputs the journal gives a record for inputs that the lockfile on disk does not record
    /// for them (no record, or one for other inputs), NFC.
    var journalNewOutputs: [String] = []
  }

  /// Loads the state; when the lockfile's and the journal's bytes are those of `earlier`, its
  /// decoded lockfile is reused (a run reads the state once before taking the run lock, to fail
  /// with 65 before creating anything, and once more under the lock).
  func loadState(reusing earlier: LoadedState?) throws(SwapSyncFailure) -> LoadedState {
    // The journal is replayed only into the lockfile it belongs to.
    try FolderOwner.check(self)
    do {
      let onDisk = try LockfileCodec.readBytes(path: lockPath)
      let journalBytes = try LockfileCodec.readBytes(path: journalPath, flags: O_NOFOLLOW)
      if let earlier, earlier.onDisk == onDisk, earlier.journal == journalBytes { return earlier }
      var lock =
        try onDisk.map { bytes throws(LockfileError) in try LockfileCodec.decode(bytes, path: lockPath) }
        ?? Lockfile()
      let batches = try Journal.replay(path: journalPath)
      var introduced: Set<String> = []
      for batch in batches {
        for (output, entry) in batch {
          if let entry, lock.entries[output]?.pair != entry.pair { introduced.insert(output) }
        }
      }
      let changes = Journal.apply(batches, to: &lock)
      // Output keys in NFC, as the manifest's (a lockfile edited on macOS may hold NFD bytes).
      lock.entries = Dictionary(
        lock.entries.map { ($0.key.precomposedStringWithCanonicalMapping, $0.value) },
        uniquingKeysWith: { a, _ in a })
      return LoadedState(
        lock: lock, onDisk: onDisk, journal: journalBytes, journalChanges: changes,
        journalNewOutputs: introduced.map { $0.precomposedStringWithCanonicalMapping }.sorted())
    } catch {
      if case .unreadable(let path, ELOOP) = error, path == journalPath {
        // O_NOFOLLOW met a link: refused like every link inside the output folder (exit 73).
        throw SwapSyncFailure(.cannotWrite, "\(FileSystemError.symlinkRefused(path: path))")
      }
      throw SwapSyncFailure(.invalidInput, "\(error)")
    }
  }

  /// Opens the output folder (creating it and `.swapsync/`) and takes the run lock: one run at
  /// a time per output folder (docs/safety.md).
  ///
  /// Records this workspace as the folder's owner (`FolderOwner`).
  ///
  /// - Throws: exit 75 naming the holder's PID when another run holds the lock; exit 65 when the
  ///   folder belongs to another manifest's lockfile; exit 73 when the folder, the lock file or
  ///   the owner record cannot be created or locked.
  func lockOutputFolder() throws(SwapSyncFailure) -> (folder: OutputFolder, lock: RunLock) {
    do {
      let folder = try OutputFolder(root: outputRoot)
      let lock = try RunLock.acquire(stateDir: folder.stateDir)
      do {
        // Checked again under the lock: another manifest's run may have claimed the folder.
        try FolderOwner.check(self)
        try FolderOwner.claim(self)
      } catch {
        lock.release()
        throw error
      }
      return (folder, lock)
    } catch RunLockError.fileSystem(let error) {
      throw SwapSyncFailure(.cannotWrite, error.description)
    } catch let error as RunLockError {
      throw SwapSyncFailure(.tryLater, error.description)
    } catch let error as SwapSyncFailure {
      throw error
    } catch {
      throw SwapSyncFailure(.cannotWrite, "\(error)")
    }
  }

  /// Whether another process holds the run lock (read-only commands say so).
  public func runInProgress() -> Int32? {
    RunLock.holder(stateDir: stateDir)
  }
}
