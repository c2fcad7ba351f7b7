import Foundation
import Synchronization

/// The planner's view of an output folder (`FileView`), for a run (through the stat cache) or
/// for the read-only commands (hashing, creating nothing). Every command sees the same files:
/// outputs are looked up under their NFC name, as the manifest gives them (docs/manifest.md).
enum OutputFiles {
  /// For `sync`: compares through the stat cache, so unchanged files are not hashed again.
  static func cached(folder: OutputFolder, cache: StatCache) -> FileView {
    let ledger = LazyLedger(stateDir: folder.stateDir)
    return FileView(
      check: { output, entry in
        do throws(FileSystemError) {
          return compare(try cache.digest(for: output, in: folder), entry)
        } catch {
          return unreadable(error)
        }
      },
      probe: { output in probe(root: folder.rootPath, output) },
      known: { output, wanted in
        ledger.lookUp(wanted) { (try? cache.digest(for: output, in: folder))?.sha256 }
      },
      keptCopy: { outputs, sha256, sizes in keptCopy(outputs, sha256, sizes, folder: folder) },
      // Asked only for inputs about to be bought (or bought again): a run with nothing to buy
      // does not read the ledger.
      knownResults: { pair in ledger.results(for: pair) },
      digest: { output in try? cache.digest(for: output, in: folder) },
      jobInputs: { jobId, sha256 in ledger.inputs(ofJob: jobId, result: sha256) })
  }

  /// The bytes with `sha256` (and `size`) that `.swapsync/replaced/` keeps for one of
  /// `outputs` (`OutputFolder.openKept`), when they hash to it: their path relative to the
  /// output folder and digest. Nothing is opened while there is no `replaced/` folder.
  static func keptCopy(
    _ outputs: [String], _ sha256: String, _ sizes: ClosedRange<Int>, folder: OutputFolder?
  )
    -> (path: String, digest: FileDigest)?
  {
    guard let folder, folder.hasReplacedFolder else { return nil }
    // Its bytes, when the kept file opened holds them (closed either way).
    func verified(_ kept: (fd: Int32, path: String)?) -> (path: String, digest: FileDigest)? {
      guard let kept else { return nil }
      defer { Posix.closeQuietly(kept.fd) }
      guard let digest = try? OutputFolder.stream(kept.fd, path: kept.path, into: { _ in }),
        digest.sha256 == sha256
      else { return nil }
      return (String(kept.path.dropFirst(folder.rootPath.count + 1)), digest)
    }
    // Under the outputs' own names first, then under any other output's (`keptIndex`).
    for output in outputs {
      if let found = verified(try? folder.openKept(output, sha256: sha256, sizes: sizes)) { return found }
    }
    for relative in folder.keptIndex[String(sha256.prefix(12))] ?? [] {
      if let found = verified(try? folder.openKept(atKeptPath: relative, sizes: sizes)) { return found }
    }
    return nil
  }

  /// The folder's `ResultLedger`, read the first time a file needs it (rarely: only files the
  /// lockfile does not account for), then kept.
  final class LazyLedger: Sendable {
    let stateDir: String
    private let results = Mutex<[String: [ResultLedger.Known]]?>(nil)
    /// `results` by pair, newest first, built the first time a pair is looked up.
    private let byPair = Mutex<[SwapPair: [(sha256: String, known: ResultLedger.Known)]]?>(nil)

    init(stateDir: String) { self.stateDir = stateDir }

    /// Every known result by SHA-256, read from the ledger the first time it is asked for.
    private var loaded: [String: [ResultLedger.Known]] {
      results.withLock { results in
        if results == nil { results = ResultLedger.load(stateDir: stateDir) }
        return results ?? [:]
      }
    }

    /// The known result whose SHA-256 `digest` gives (computed only when the ledger has any).
    /// (The one for `wanted` when those bytes are the result of several pairs.)
    func lookUp(_ wanted: SwapPair, _ digest: () -> String?) -> ResultLedger.Known? {
      let known = loaded
      guard !known.isEmpty, let sha256 = digest() else { return nil }
      let matches = known[sha256] ?? []
      return matches.first { $0.pair == wanted } ?? matches.last
    }

    /// Whether the bytes with `sha256` are a result installed here for inputs other than `pair`
    /// (for any inputs, without `pair`).
    func knows(_ sha256: String, forOtherThan pair: SwapPair? = nil) -> Bool {
      let known = loaded
      return known[sha256]?.contains { $0.pair != pair } ?? false
    }

    /// The inputs `jobId` was bought for, when the ledger noted it with the result `sha256`.
    func inputs(ofJob jobId: String, result sha256: String) -> SwapPair? {
      let known = loaded
      return known[sha256]?.first { $0.jobId == jobId }?.pair
    }

    /// Every result known for `pair`, with its SHA-256, newest first.
    func results(for pair: SwapPair) -> [(sha256: String, known: ResultLedger.Known)] {
      let known = loaded
      return byPair.withLock { byPair in
        if byPair == nil {
          var index: [SwapPair: [(sha256: String, known: ResultLedger.Known)]] = [:]
          for (sha256, list) in known {
            for result in list { index[result.pair, default: []].append((sha256, result)) }
          }
          byPair = index.mapValues { results in
            results.sorted { ($0.known.finishedAt ?? "", $0.sha256) > ($1.known.finishedAt ?? "", $1.sha256) }
          }
        }
        return byPair?[pair] ?? []
      }
    }
  }

  /// For `plan`, `status` (`trustStatCache`: the stat cache of the last run answers for files
  /// whose stat data did not change, and is never written) and `verify` (hashes every file).
  /// Creates nothing.
  static func readOnly(root: String, trustStatCache: Bool = false) -> FileView {
    let isFolder = FileManager.default.fileExists(atPath: root + "/" + OutputPath.stateFolderName + "/tmp")
    if trustStatCache, isFolder, let folder = try? OutputFolder(root: root) {
      return cached(folder: folder, cache: StatCache.load(stateDir: folder.stateDir))
    }
    // Without `.swapsync/` (a fresh clone with committed outputs) the files are hashed all the same.
    let folder = try? OutputFolder(readingRoot: root)
    let ledger = LazyLedger(stateDir: root + "/" + OutputPath.stateFolderName)
    // Kept results are read through the state folder, when there is one (it is not created).
    let stateFolder = isFolder ? try? OutputFolder(root: root) : nil
    return FileView(
      check: { output, entry in
        guard let folder else { return .missing }
        do throws(FileSystemError) {
          return compare(try folder.hash(relativePath: output), entry)
        } catch {
          return unreadable(error)
        }
      },
      probe: { output in probe(root: root, output) },
      known: { output, wanted in
        ledger.lookUp(wanted) { folder.flatMap { try? $0.hash(relativePath: output) }?.sha256 }
      },
      keptCopy: { outputs, sha256, sizes in keptCopy(outputs, sha256, sizes, folder: stateFolder) },
      knownResults: { pair in ledger.results(for: pair) },
      digest: { output in folder.flatMap { try? $0.hash(relativePath: output) } },
      jobInputs: { jobId, sha256 in ledger.inputs(ofJob: jobId, result: sha256) })
  }

  private static func compare(_ digest: FileDigest?, _ entry: LockEntry) -> FileCheck {
    guard let digest else { return .missing }
    guard digest.sha256 == entry.sha256 else { return .differs("output bytes differ from the lockfile") }
    // The same SHA-256 names the same bytes: a size or type that is not theirs is the record's fault.
    if digest.size != entry.size {
      let recorded = entry.size.map { "\($0) bytes" } ?? "no size"
      return .misrecorded(
        problem:
          "the lockfile records \(recorded) for this file's sha256, whose bytes are \(digest.size) long "
          + "(an edit or a bad merge)")
    }
    if let type = digest.type, entry.imageType != type.rawValue {
      return .misrecorded(
        problem:
          "the lockfile records imageType \"\(entry.imageType ?? "")\" for this file's sha256, whose bytes "
          + "are a \(type.rawValue) image (an edit or a bad merge)")
    }
    return .matches
  }

  /// An output that could not be read: in the way of `sync` when a link, a folder or a special
  /// file stands there (the same refusals `sync` meets writing it), else unreadable bytes.
  private static func unreadable(_ error: FileSystemError) -> FileCheck {
    switch error {
    case .symlinkRefused, .notADirectory, .notARegularFile, .outsideRoot: .blocked("\(error)")
    case .io, .encoding, .changed: .differs("cannot read the output: \(error)")
    }
  }

  /// What stands at `root/output`, links not followed. A name with non-ASCII characters that is
  /// absent is looked for in its folder under other Unicode normalisations.
  static func probe(root: String, _ output: String) -> FileProbe {
    let path = root + "/" + output
    var info = stat()
    if lstat(path, &info) == 0 {
      // A link or folder there would be refused when the output is written (exit 73).
      switch info.st_mode & S_IFMT {
      case S_IFREG: return .present(size: Int(info.st_size))
      case S_IFDIR: return .blocked(what: "a folder is at this path")
      case S_IFLNK: return .blocked(what: "a symbolic link is at this path")
      default: return .blocked(what: "a special file is at this path")
      }
    }
    // Nothing at the path: a link or a file where one of its folders goes blocks it just the
    // same (the install refuses to write through it).
    let folders = output.pathSegments(omittingEmpty: true).dropLast()
    var prefix = ""
    for folder in folders {
      let parent = prefix
      prefix += (prefix.isEmpty ? "" : "/") + folder
      guard lstat(root + "/" + prefix, &info) == 0 else {
        if let other = otherSpelling(of: folder, in: root + "/" + parent) {
          return .otherSpelling(parent.isEmpty ? other : parent + "/" + other, folder: true)
        }
        return .absent
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: continue
      case S_IFLNK: return .blocked(what: "a symbolic link is at \(prefix), where a folder goes")
      default: return .blocked(what: "a file is at \(prefix), where a folder goes")
      }
    }
    let url = URL(fileURLWithPath: path)
    return otherSpelling(of: url.lastPathComponent, in: url.deletingLastPathComponent().path)
      .map { .otherSpelling($0) } ?? .absent
  }

  /// The name in `folder` that is another Unicode normalisation of `name`, which is not there
  /// itself; nil for an ASCII name (it has no other spelling) or when there is none.
  private static func otherSpelling(of name: String, in folder: String) -> String? {
    guard name.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
    let wanted = name.precomposedStringWithCanonicalMapping
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.first { $0.precomposedStringWithCanonicalMapping == wanted }
  }
}
