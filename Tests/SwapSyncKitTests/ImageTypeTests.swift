import Testing

@testable import SwapSyncKit

@Suite(.timeLimit(.minutes(3))) struct ImageTypeTests {
  @Test func sniffsEveryAcceptedFormat() {
    #expect(ImageType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
    #expect(ImageType.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]) == .png)
    #expect(ImageType.sniff(Array("GIF87a".utf8) + [1, 0]) == .gif)
    #expect(ImageType.sniff(Array("GIF89a".utf8)) == .gif)
    #expect(ImageType.sniff(Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8)) == .webp)
  }

  @Test func rejectsOtherAndShortInput() {
    #expect(ImageType.sniff([UInt8]()) == nil)
    #expect(ImageType.sniff([0xFF, 0xD8]) == nil)
    #expect(ImageType.sniff([0x89, 0x50, 0x4E, 0x47]) == nil)
    #expect(ImageType.sniff(Array("GIF88a".utf8)) == nil)
    #expect(ImageType.sniff(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8)) == nil)
    #expect(ImageType.sniff(Array("<html><body>".utf8)) == nil)
    #expect(ImageType.sniff(Array("{\"status\":\"FAILED\"}".utf8)) == nil)
  }

  @Test func sniffsFromSlicesAndLongerInput() {
    let bytes: [UInt8] = [0, 0xFF, 0xD8, 0xFF] + [UInt8](repeating: 7, count: 100)
    #expect(ImageType.sniff(bytes[1...]) == .jpeg)
    #expect(ImageType.sniff(bytes) == nil)
  }

  @Test func extensionsMatch() {
    #expect(ImageType.jpeg.matches(extension: "jpg"))
    #expect(ImageType.jpeg.matches(extension: "JPEG"))
    #expect(ImageType.jpeg.matches(extension: ".jpg"))
    #expect(!ImageType.jpeg.matches(extension: "png"))
    #expect(ImageType.png.matches(extension: "png"))
    #expect(ImageType.webp.matches(extension: "webp"))
    #expect(ImageType.gif.matches(extension: "GIF"))
    #expect(!ImageType.gif.matches(extension: "jpg"))
    for type in ImageType.allCases {
      #expect(type.matches(extension: ""), "no extension always matches")
    }
  }
}
