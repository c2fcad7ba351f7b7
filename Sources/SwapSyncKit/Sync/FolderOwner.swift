import Foundation

/// Which manifest and lockfile an output folder's machine-local state belongs to, recorded in
/// `<outputDir>/.swapsync/owner.json` as paths relative to the output folder (so that moving the
/// whole project keeps them). The journal under `.swapsync/` holds one lockfile's records: two
/// manifests sharing an output folder would fold each other's paid job ids into the wrong
/// lockfile, and the other one would buy them again (docs/lockfile.md, "One output folder, one
/// lockfile").
///
/// The absolute paths (links resolved) are kept beside them for the refusal only: a folder
/// reached through a bind mount at another depth would resolve the relative paths to nothing.
struct FolderOwner: Codable, Equatable {
  var manifest: String
  var lockfile: String
  var manifestPath: String?
  var lockfilePath: String?

  static func path(stateDir: String) -> String { stateDir + "/owner.json" }

  /// The owner `workspace` would record, from the paths with their folders' symbolic links
  /// resolved: the same files reached through a link (a linked output folder or project) give
  /// the same record.
  init(_ workspace: Workspace) {
    let root = Self.real(workspace.outputRoot)
    manifestPath = Self.real(folderOf: workspace.manifest.path)
    lockfilePath = Self.real(folderOf: workspace.lockPath)
    manifest = Self.relative(manifestPath ?? "", from: root)
    lockfile = Self.relative(lockfilePath ?? "", from: root)
  }

  /// Whether `other` names the same manifest and lockfile, relative to the folder (a moved
  /// project is the same owner).
  func isSame(as other: FolderOwner) -> Bool { manifest == other.manifest && lockfile == other.lockfile }

  /// `path`, absolute, with every symbolic link resolved (`realpath(3)`); as given when it
  /// cannot be resolved (it does not exist yet).
  static func real(_ path: String) -> String {
    let absolute = Posix.absolutePath(path)
    guard let resolved = realpath(absolute, nil) else { return absolute }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// `path` with its folder resolved: the file itself (a lockfile not written yet) may not exist.
  static func real(folderOf path: String) -> String {
    let absolute = Posix.absolutePath(path)
    return real(Posix.directoryName(absolute)) + "/" + Posix.baseName(absolute)
  }

  /// Refuses a workspace whose output folder belongs to another manifest or lockfile that still
  /// exists. A recorded owner whose files are both gone was renamed or moved: its state is
  /// this workspace's to take (`claim`).
  ///
  /// - Throws: exit 65 naming both lockfiles and the way out.
  static func check(_ workspace: Workspace) throws(SwapSyncFailure) {
    let mine = FolderOwner(workspace)
    guard let recorded = read(stateDir: workspace.stateDir), !recorded.isSame(as: mine) else { return }
    let root = real(workspace.outputRoot)
    let mineAbsolute = [mine.manifestPath, mine.lockfilePath]
    let recordedFiles =
      [recorded.lockfile, recorded.manifest].filter { $0 != mine.lockfile && $0 != mine.manifest }.map {
        absolute($0, from: root)
      }
      + [recorded.lockfilePath, recorded.manifestPath].compactMap { $0 }.filter { !mineAbsolute.contains($0) }
    guard recordedFiles.contains(where: { FileManager.default.fileExists(atPath: $0) }) else { return }
    let owner = path(stateDir: workspace.stateDir)
    let recordedManifest = recorded.manifestPath ?? absolute(recorded.manifest, from: root)
    let recordedLock = recorded.lockfilePath ?? absolute(recorded.lockfile, from: root)
    if !FileManager.default.fileExists(atPath: recordedManifest),
      FileManager.default.fileExists(atPath: recordedLock),
      !FileManager.default.fileExists(atPath: workspace.lockPath)
    {
      // The manifest was renamed (`git mv`) and its lockfile was not.
      throw SwapSyncFailure(
        .invalidInput,
        "\(root) belongs to \(recordedManifest), which is gone, while its lockfile \(recordedLock) is still "
          + "here (recorded in \(owner)). If \(workspace.manifest.path) is that manifest renamed, rename its "
          + "lockfile too (`git mv \(recordedLock) \(workspace.lockPath)`, or `mv`) and run again: its records "
          + "then serve \(workspace.manifest.path), and nothing they hold is bought again. Nothing was done")
    }
    throw SwapSyncFailure(
      .invalidInput,
      "\(root) already belongs to \(recordedManifest) (lockfile \(recordedLock); recorded in \(owner)). "
        + "\(workspace.manifest.path) "
        + "(lockfile \(workspace.lockPath)) cannot use it too: the folder's journal would hand one lockfile's "
        + "paid job ids to the other. Give each manifest its own outputDir (or --out). If the other manifest "
        + "is no longer used, run `swapsync sync` on it once (its journal goes to its own lockfile), then "
        + "delete \(owner). Nothing was done")
  }

  /// Records `workspace` as the folder's owner unless it already is. Call under the run lock,
  /// after `check`.
  ///
  /// - Throws: `FileSystemError` when `.swapsync/owner.json` cannot be written.
  static func claim(_ workspace: Workspace) throws(FileSystemError) {
    let mine = FolderOwner(workspace)
    // Rewritten when the relative paths changed, or the absolute ones (a moved project).
    guard read(stateDir: workspace.stateDir) != mine else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let bytes: [UInt8] = (try? encoder.encode(mine)).map { Array($0) + [0x0A] } ?? []
    try AtomicFile.write(bytes, to: path(stateDir: workspace.stateDir))
  }

  private static func read(stateDir: String) -> FolderOwner? {
    guard let data = FileManager.default.contents(atPath: path(stateDir: stateDir)) else { return nil }
    return try? JSONDecoder().decode(FolderOwner.self, from: data)
  }

  /// `path` relative to the folder `root` (both absolute): `../swaps.lock.json`.
  static func relative(_ path: String, from root: String) -> String {
    let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
    let base = URL(fileURLWithPath: root).standardizedFileURL.pathComponents
    var shared = 0
    while shared < min(target.count, base.count), target[shared] == base[shared] { shared += 1 }
    let up = Array(repeating: "..", count: base.count - shared)
    return (up + target[shared...]).joined(separator: "/")
  }

  private static func absolute(_ relative: String, from root: String) -> String {
    URL(fileURLWithPath: relative, relativeTo: URL(fileURLWithPath: root, isDirectory: true))
      .standardizedFileURL.path
  }
}
