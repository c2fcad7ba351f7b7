import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension NoopIndex {
  /// The bytes of an index file, validated once so that reading them later cannot go out of range.
  ///
  /// Format (integers little-endian): magic `SSNI0002`; UInt32 flags (bit 0: the run had a cache);
  /// the output folder; the manifest's record, then the lockfile's; UInt32 number of outputs and
  /// one record each (path relative to the output folder); UInt32 number of `status` rows and the
  /// rows. A string is a UInt32 length and UTF-8 bytes (length 0xFFFF_FFFF: no string). A record
  /// is a path and five Int64: size, mtime, ctime, inode, device. A row is the output, its state,
  /// its job id and its detail (the last two optional).
  struct Contents {
    static let magic = Array("SSNI0002".utf8)
    static let statSize = 5 * 8
    static let none = UInt32.max

    let bytes: [UInt8]
    let root: String
    let cacheConfigured: Bool
    let manifest: FileStat
    let lock: FileStat
    /// Where each output's record starts.
    let outputOffsets: [Int]
    /// Where the number of rows starts.
    let reportsOffset: Int

    init?(_ bytes: [UInt8]) {
      guard bytes.starts(with: Self.magic) else { return nil }
      self.bytes = bytes
      var offset = Self.magic.count
      guard let flags = Self.integer(bytes, &offset, UInt32.self),
        let root = Self.string(bytes, &offset),
        let manifest = Self.record(bytes, &offset), let lock = Self.record(bytes, &offset),
        let count = Self.integer(bytes, &offset, UInt32.self)
      else { return nil }
      var offsets: [Int] = []
      offsets.reserveCapacity(Int(count))
      for _ in 0..<count {
        offsets.append(offset)
        guard Self.record(bytes, &offset, decodeStat: false) != nil else { return nil }
      }
      guard let root else { return nil }
      self.root = root
      self.cacheConfigured = flags & 1 != 0
      self.manifest = manifest
      self.lock = lock
      self.outputOffsets = offsets
      self.reportsOffset = offset
    }

    /// How many `status` rows follow, without decoding them; nil when the count is damaged.
    var rowCount: Int? {
      var offset = reportsOffset
      return Self.integer(bytes, &offset, UInt32.self).map(Int.init)
    }

    /// The `status` rows; nil when they are damaged.
    func reports() -> [EntryReport]? {
      var offset = reportsOffset
      guard let count = Self.integer(bytes, &offset, UInt32.self) else { return nil }
      var reports: [EntryReport] = []
      reports.reserveCapacity(Int(count))
      for _ in 0..<count {
        guard let output = Self.string(bytes, &offset), let output,
          let state = Self.string(bytes, &offset), let state, let status = EntryStatus(rawValue: state),
          let jobId = Self.string(bytes, &offset), let detail = Self.string(bytes, &offset)
        else { return nil }
        reports.append(EntryReport(output: output, status: status, jobId: jobId, detail: detail))
      }
      return offset == bytes.count ? reports : nil
    }

    static func encode(
      root: String, cacheConfigured: Bool, files: [(name: String, stat: FileStat)], reports: [EntryReport]
    ) -> [UInt8] {
      var bytes = magic
      func integer<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
      }
      func string(_ text: String?) {
        guard let text else { return integer(none) }
        integer(UInt32(text.utf8.count))
        bytes += text.utf8
      }
      integer(UInt32(cacheConfigured ? 1 : 0))
      string(root)
      for (index, file) in files.enumerated() {
        if index == 2 { integer(UInt32(files.count - 2)) }
        string(file.name)
        for value in [
          Int64(file.stat.size), file.stat.mtimeNanoseconds, file.stat.ctimeNanoseconds,
          Int64(bitPattern: file.stat.inode), Int64(bitPattern: file.stat.device),
        ] {
          integer(value)
        }
      }
      if files.count == 2 { integer(UInt32(0)) }
      integer(UInt32(reports.count))
      for report in reports {
        string(report.output)
        string(report.status.rawValue)
        string(report.jobId)
        string(report.detail)
      }
      return bytes
    }

    // MARK: Reading

    static func integer<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: inout Int, _: T.Type) -> T? {
      let size = MemoryLayout<T>.size
      guard offset + size <= bytes.count else { return nil }
      defer { offset += size }
      return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// `.some(nil)` for "no string", nil when the bytes end too early.
    static func string(_ bytes: [UInt8], _ offset: inout Int) -> String?? {
      guard let length = integer(bytes, &offset, UInt32.self) else { return nil }
      if length == none { return .some(nil) }
      guard offset + Int(length) <= bytes.count else { return nil }
      defer { offset += Int(length) }
      return String(decoding: bytes[offset..<offset + Int(length)], as: UTF8.self)
    }

    /// A record's stat data (when `decodeStat`; else a placeholder once its bytes are known to be there).
    static func record(_ bytes: [UInt8], _ offset: inout Int, decodeStat: Bool = true) -> FileStat? {
      guard let length = integer(bytes, &offset, UInt32.self), length != none,
        offset + Int(length) + statSize <= bytes.count
      else { return nil }
      offset += Int(length)
      defer { offset += statSize }
      return decodeStat ? stat(bytes, at: offset) : FileStat.placeholder
    }

    static func stat(_ bytes: [UInt8], at offset: Int) -> FileStat {
      bytes.withUnsafeBytes { stat($0, at: offset) }
    }

    static func stat(_ raw: UnsafeRawBufferPointer, at offset: Int) -> FileStat {
      func value(_ field: Int) -> Int64 {
        Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * field, as: Int64.self))
      }
      return FileStat(
        kind: .regular, size: Int(value(0)), mtimeNanoseconds: value(1), ctimeNanoseconds: value(2),
        inode: UInt64(bitPattern: value(3)), device: UInt64(bitPattern: value(4)))
    }
  }
}

extension FileStat {
  fileprivate static let placeholder = FileStat(
    kind: .other, size: 0, mtimeNanoseconds: 0, ctimeNanoseconds: 0, inode: 0, device: 0)
}
