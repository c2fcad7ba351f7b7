import Foundation

/// Every item under a folder, hidden ones included, as seen by lstat: links are not followed.
struct FileTree: Equatable, Sendable {
  enum Node: Equatable, Sendable {
    case folder(mode: Int)
    case file(mode: Int, modified: Date, bytes: Data)
    case link(to: String)
    case other
  }

  var nodes: [String: Node]

  init(_ root: String) {
    nodes = [:]
    walk(root, prefix: "")
  }

  private mutating func walk(_ folder: String, prefix: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    for name in names {
      let path = folder + "/" + name, relative = prefix + name
      guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { continue }
      let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
      switch attributes[.type] as? FileAttributeType {
      case .typeDirectory?:
        nodes[relative] = .folder(mode: mode)
        walk(path, prefix: relative + "/")
      case .typeRegular?:
        let modified = attributes[.modificationDate] as? Date ?? .distantPast
        nodes[relative] = .file(
          mode: mode, modified: modified, bytes: FileManager.default.contents(atPath: path) ?? Data())
      case .typeSymbolicLink?:
        nodes[relative] = .link(to: (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
      default:
        nodes[relative] = .other
      }
    }
  }

  /// Paths added, removed or changed since `earlier`, for failure messages.
  func changes(since earlier: FileTree) -> [String] {
    Set(nodes.keys).union(earlier.nodes.keys).sorted().filter { nodes[$0] != earlier.nodes[$0] }
  }

  /// Paths whose name, link target or bytes contain `secret`.
  func paths(containing secret: String) -> [String] {
    let needle = Data(secret.utf8)
    return nodes.keys.sorted().filter { path in
      if path.contains(secret) { return true }
      switch nodes[path] {
      case .file(_, _, let bytes)?: return bytes.range(of: needle) != nil
      case .link(let target)?: return target.contains(secret)
      default: return false
      }
    }
  }

  var regularFiles: [String] {
    nodes.keys.sorted().filter { if case .file? = nodes[$0] { true } else { false } }
  }
}

extension Sandbox {
  /// `swapsync status --json` as output → state (missing, running, done, ...), and its exit status.
  func entryStates() async throws -> (states: [String: String], status: Int32) {
    let result = try await swapsync(["status", "--json"], emulator: nil)
    let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    var states: [String: String] = [:]
    for entry in list {
      if let output = entry["output"] as? String { states[output] = entry["status"] as? String ?? "?" }
    }
    return (states, result.status)
  }
}

extension Emulator {
  /// Every request the emulator counted (API, CDN and sample images).
  func totalRequests() async throws -> Int { try await stats().requests.values.reduce(0, +) }
}
