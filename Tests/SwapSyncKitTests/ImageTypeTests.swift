import HTTPTypes
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

  @Test("a body ends whole only where its type's end is: PNG IEND, JPEG EOI, GIF trailer, WebP RIFF size")
  func endsWhole() {
    let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    #expect(ImageType.png.endsWhole(prefix: [], suffix: [1, 2] + iend, size: 100))
    #expect(!ImageType.png.endsWhole(prefix: [], suffix: Array(iend.dropLast()), size: 100))
    #expect(ImageType.jpeg.endsWhole(prefix: [], suffix: [0x00, 0xFF, 0xD9], size: 100))
    #expect(!ImageType.jpeg.endsWhole(prefix: [], suffix: [0xFF, 0xD9, 0x00], size: 100))
    #expect(ImageType.gif.endsWhole(prefix: [], suffix: [0x00, 0x3B], size: 100))
    #expect(!ImageType.gif.endsWhole(prefix: [], suffix: [0x3B, 0x00], size: 100))
    let riff = Array("RIFF".utf8) + [92, 0, 0, 0] + Array("WEBP".utf8)
    #expect(ImageType.webp.endsWhole(prefix: riff, suffix: [], size: 100))
    #expect(!ImageType.webp.endsWhole(prefix: riff, suffix: [], size: 50))
  }

  @Test("a body ends by close only for HTTP/1.x answers without Content-Length or chunked encoding")
  func endedByClose() {
    var fields = HTTPFields()
    #expect(DownloadResult.endedByClose(httpVersion: 2, headers: fields))
    #expect(DownloadResult.endedByClose(httpVersion: 1, headers: fields))
    #expect(!DownloadResult.endedByClose(httpVersion: 3, headers: fields))
    fields[.transferEncoding] = "chunked"
    #expect(!DownloadResult.endedByClose(httpVersion: 2, headers: fields))
    fields = HTTPFields()
    fields[.contentLength] = "10"
    #expect(!DownloadResult.endedByClose(httpVersion: 2, headers: fields))
  }
}
