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
  /// folder that cannot be made or a file that cannot be written is exit 73.
  public static func write(_ inspection: Inspection, to path: String? = nil) throws(SwapSyncFailure) -> String
  {
    let target = try pagePath(path, workspace: inspection.workspace)
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
