import Foundation

/// `swapsync gallery` and `sync --gallery`: writes the page for a workspace, atomically.
public enum Gallery {
  /// The page's default place: `index.html` in the output folder. No output can have that name
  /// (`.html` is not an image extension), so `prune` and `sync` never touch it.
  public static func defaultPath(for workspace: Workspace) -> String {
    workspace.outputRoot + "/index.html"
  }

  /// Writes the page for `inspection` to `path` (default `defaultPath`; relative to the current
  /// folder) and returns the absolute path written. A page path must end in `.html` or `.htm`, so
  /// it can never be an output image, and must stay out of `.swapsync/` (exit 64 otherwise); a
  /// folder that cannot be made or a file that cannot be written is exit 73, and so is anything
  /// at the path that is not a page swapsync wrote (`isOurPage`): it is never replaced.
  public static func write(_ inspection: Inspection, to path: String? = nil) throws(SwapSyncFailure) -> String
  {
    let target = try pagePath(path, workspace: inspection.workspace)
    if let problem = notOurs(target) {
      throw SwapSyncFailure(
        .cannotWrite,
        "cannot write the gallery: \(problem) is at \(target), and swapsync did not write it; move it away "
          + "or write the page elsewhere with `swapsync gallery --output FILE`")
    }
    let folder = Posix.directoryName(target)
    do {
      // The folder first: links are computed between real paths, symbolic links resolved.
      try Posix.makeDirectories(folder)
      let html = try GalleryPage.render(GalleryModel(inspection: inspection, pageFolder: folder))
      try AtomicFile.write(Array(html.utf8), to: target)
    } catch {
      throw SwapSyncFailure(.cannotWrite, "cannot write the gallery: \(error)")
    }
    return target
  }

  /// The line every page swapsync writes carries near its top (GalleryTemplate).
  static let generatorMark = #"<meta name="generator" content="swapsync gallery">"#

  /// What stands at `path` that the gallery must not replace ("a file", "a symbolic link", …),
  /// or nil when nothing is there or it is a page swapsync wrote: a regular file whose first
  /// 4 KiB hold `generatorMark`.
  static func notOurs(_ path: String) -> String? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    switch info.st_mode & S_IFMT {
    case S_IFREG:
      guard let handle = FileHandle(forReadingAtPath: path) else { return "a file" }
      defer { try? handle.close() }
      let head = (try? handle.read(upToCount: 4096)) ?? Data()
      return String(decoding: head, as: UTF8.self).contains(generatorMark) ? nil : "a file"
    case S_IFLNK: return "a symbolic link"
    case S_IFDIR: return "a folder"
    default: return "a special file"
    }
  }

  /// The absolute page path, checked.
  static func pagePath(_ path: String?, workspace: Workspace) throws(SwapSyncFailure) -> String {
    guard let path else { return defaultPath(for: workspace) }
    let absolute = URL(fileURLWithPath: Posix.absolutePath(path)).standardizedFileURL.path
    let name = Posix.baseName(absolute).lowercased()
    guard name.hasSuffix(".html") || name.hasSuffix(".htm"), name != ".html", name != ".htm" else {
      throw SwapSyncFailure(
        .usage,
        "--output \(path): the gallery page must be an .html or .htm file (so it can never replace an output)"
      )
    }
    if absolute.hasPrefix(workspace.stateDir + "/") {
      throw SwapSyncFailure(
        .usage, "--output \(path): \(workspace.stateDir) holds swapsync's own state; write the page elsewhere"
      )
    }
    return absolute
  }
}
