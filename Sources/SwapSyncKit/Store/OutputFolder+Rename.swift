import CPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The rename that puts a result in place, replacing only what the caller saw there (docs/safety.md,
/// "Replaced files are kept"): nothing, or the very file it hashed and kept. Linux's renameat2
/// does the check and the rename in one step (RENAME_NOREPLACE, RENAME_EXCHANGE); where the file
/// system cannot, the check comes just before a plain rename.
extension OutputFolder {
  /// What `install` may find at the destination, and must find to go ahead.
  public enum Occupant: Sendable, Equatable {
    /// Whatever regular file is there, or nothing: replaced.
    case any
    /// Nothing: a file that appeared since is left as it is (`.changed`).
    case nothing
    /// This very file (device and inode, as hashed): anything else there is left (`.changed`).
    case file(FileStat)
  }

  /// Renames `.swapsync/tmp/<tempName>` to `name` in `folderFD` as `occupant` allows. Returns
  /// whether the names were exchanged: then what stood at the output is now at `tempName`, for
  /// `settleExchange`. Throws `.changed` when the output is not what `occupant` says.
  func rename(
    _ tempName: String, to name: String, in folderFD: Int32, path: String, replacing occupant: Occupant
  )
    throws(FileSystemError) -> Bool
  {
    switch occupant {
    case .any:
      break
    case .nothing:
      if Posix.retrying({ swapsync_renameat2(tempFD, tempName, folderFD, name, 0) }) == 0 { return false }
      if errno == EEXIST { throw .changed(path: path) }
      guard [EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) else {
        throw .io(operation: "move the downloaded file to", path: path, errno: errno)
      }
      if Posix.fileStatus(folderFD, name).1 != ENOENT { throw .changed(path: path) }
    case .file(let file):
      if Posix.retrying({ swapsync_renameat2(tempFD, tempName, folderFD, name, 1) }) == 0 { return true }
      if errno == ENOENT { throw .changed(path: path) }
      guard [EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) else {
        throw .io(operation: "move the downloaded file to", path: path, errno: errno)
      }
      try refuseNonRegular(name, in: folderFD, path: path, expecting: file)
    }
    if Posix.retrying({ renameat(tempFD, tempName, folderFD, name) }) != 0 {
      throw .io(operation: "move the downloaded file to", path: path, errno: errno)
    }
    return false
  }

  /// After an exchange: deletes what came out of the output when it is `file`, as a rename
  /// would have; else (a save at that very moment) keeps it in `.swapsync/replaced/` and returns
  /// where. If that fails, the save is renamed `<temporary name>.saved` in `.swapsync/tmp/`
  /// (which no run deletes) and the error says where it is.
  func settleExchange(
    _ tempName: String, from relativePath: String, name: String, in folderFD: Int32, expected file: FileStat
  ) throws(FileSystemError) -> String? {
    let (info, _) = Posix.fileStatus(tempFD, tempName)
    if let info, FileStat(info).isSameFile(as: file) {
      _ = unlinkat(tempFD, tempName, 0)
      return nil
    }
    do throws(FileSystemError) {
      return try keepDisplaced(tempName, from: relativePath)
    } catch {
      let saved = tempName + ".saved"
      if Posix.retrying({ renameat(tempFD, tempName, tempFD, saved) }) == 0 {
        // "cannot keep in .swapsync/replaced/ the file saved at … while it was replaced; it is now
        // …/tmp/….saved: <why>"
        let code: Int32 = if case .io(_, _, let code) = error { code } else { EEXIST }
        throw .io(
          operation: "keep in .swapsync/replaced/ the file saved at \(display(relativePath)) while it was "
            + "replaced; it is now", path: tempDir + "/" + saved, errno: code)
      }
      throw error
    }
  }
}
