import Foundation
import Testing

@testable import SwapSyncKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("CACertificateFile", .timeLimit(.minutes(3)))
struct CACertificateFileTests {
  @Test("a readable regular file, or a link to one, is accepted; anything else is named with what is wrong")
  func problems() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cacert-\(UUID().uuidString)")
      .path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: folder + "/ca.pem"))
    try FileManager.default.createSymbolicLink(atPath: folder + "/link.pem", withDestinationPath: "ca.pem")
    try FileManager.default.createSymbolicLink(
      atPath: folder + "/dangling.pem", withDestinationPath: "gone.pem")
    #expect(mkfifo(folder + "/ca.fifo", 0o600) == 0)

    #expect(CACertificateFile.problem(at: folder + "/ca.pem") == nil)
    #expect(CACertificateFile.problem(at: folder + "/link.pem") == nil)
    let cases = [
      ("/missing.pem", "no such file"), ("/dangling.pem", "no such file"), ("", "is a folder"),
      ("/ca.pem/x", "cannot be read: "), ("/ca.fifo", "is not a regular file"),
    ]
    for (name, problem) in cases {
      let path = folder + name
      let message = CACertificateFile.problem(at: path)
      #expect(
        message?.hasPrefix("--cacert \(path): \(problem)") == true, "\(name): \(String(describing: message))")
    }
  }
}
