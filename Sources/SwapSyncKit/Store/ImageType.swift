/// An image format swapsync accepts, recognised by its magic bytes.
public enum ImageType: String, Codable, Sendable, CaseIterable {
  case jpeg, png, webp, gif

  /// How many leading bytes `sniff` needs to recognise every type.
  public static let sniffLength = 12

  /// The type whose signature starts `prefix`, or nil when it is none of the accepted formats.
  public static func sniff(_ prefix: some Collection<UInt8>) -> ImageType? {
    let head = Array(prefix.prefix(sniffLength))
    func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
      head.count >= offset + signature.count && Array(head[offset..<offset + signature.count]) == signature
    }
    if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
    if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
    if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
    if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
    return nil
  }

  /// Whether `bytes`, too short to hold a whole signature, are the start of one (empty bytes
  /// included): a body that ended there may be an image cut short, not something else.
  public static func mayBeginSignature(_ bytes: [UInt8]) -> Bool {
    let patterns: [[UInt8?]] = [
      [0xFF, 0xD8, 0xFF],
      [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
      Array("GIF87a".utf8), Array("GIF89a".utf8),
      Array("RIFF".utf8) + [nil, nil, nil, nil] + Array("WEBP".utf8),
    ]
    return patterns.contains { pattern in
      bytes.count < pattern.count
        && zip(bytes, pattern).allSatisfy { byte, expected in expected.map { $0 == byte } ?? true }
    }
  }

  /// The file extensions (lowercase, without dot) that name this type.
  public var extensions: [String] {
    switch self {
    case .jpeg: return ["jpg", "jpeg"]
    case .png: return ["png"]
    case .webp: return ["webp"]
    case .gif: return ["gif"]
    }
  }

  /// Whether an output file extension agrees with this type. Case-insensitive, a leading dot is
  /// ignored, and an empty extension (an output without one) always matches.
  public func matches(extension ext: String) -> Bool {
    let bare = ext.hasPrefix(".") ? String(ext.dropFirst()) : ext
    if bare.isEmpty { return true }
    return extensions.contains(bare.lowercased())
  }
}
