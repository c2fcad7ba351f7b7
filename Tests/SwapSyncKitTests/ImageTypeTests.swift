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

  /// A PNG whose compressed data contains the letters IEND and its CRC, like a real one may.
  static let png: [UInt8] = {
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
      let length = UInt32(data.count)
      return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> $0) } + Array(type.utf8) + data + [
        1, 2, 3, 4,
      ]
    }
    let fakeEnd: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", Array(repeating: 1, count: 13))
      + chunk("IDAT", [7, 7] + fakeEnd + [7]) + chunk("IEND", [])
  }()

  /// A JPEG with an EXIF thumbnail (its own SOI ... EOI), a stuffed FF 00 and a restart marker.
  static let jpeg: [UInt8] = {
    let thumbnail: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDB, 0, 3, 9, 0xFF, 0xD9]
    let app1 = Array("Exif".utf8) + [0, 0] + thumbnail
    let length = app1.count + 2
    return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + app1
      + [0xFF, 0xDB, 0, 4, 1, 2] + [0xFF, 0xDA, 0, 3, 1]
      + [5, 0xFF, 0x00, 6, 0xFF, 0xD0, 7, 0xFF, 0xFF, 0xD9]
  }()

  /// A GIF89a with a global color table, a graphic control extension, one image, the trailer.
  static let gif: [UInt8] =
    Array("GIF89a".utf8) + [1, 0, 1, 0, 0x80, 0, 0] + [0, 0, 0, 255, 255, 255]
    + [0x21, 0xF9, 4, 0, 0, 0, 0, 0] + [0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0] + [0x3B]

  @Test("a close-delimited body is whole only where the image's structure ends, trailers allowed")
  func endsWhole() {
    let webp = Array("RIFF".utf8) + [12, 0, 0, 0] + Array("WEBPVP8L".utf8) + [0, 0, 0, 0]
    let images: [(ImageType, [UInt8])] = [
      (.png, Self.png), (.jpeg, Self.jpeg), (.gif, Self.gif), (.webp, webp),
    ]
    for (type, image) in images {
      #expect(type.ending(of: image) == .whole(length: image.count), "\(type)")
      #expect(type.endsWhole(image + Array("trailer".utf8)), "\(type) with a trailer")
      for cut in 0..<image.count {
        #expect(!type.endsWhole(Array(image.prefix(cut))), "\(type) cut to \(cut) bytes")
      }
    }
    // Cut right after the thumbnail's EOI, or right after the IEND letters inside the data: the
    // last bytes look like an end, the structure says otherwise.
    let afterThumbnail = 6 + 6 + 9  // SOI, APP1 marker and length, "Exif\0\0", the thumbnail
    #expect(Array(Self.jpeg.prefix(afterThumbnail).suffix(2)) == [0xFF, 0xD9])
    #expect(ImageType.jpeg.ending(of: Array(Self.jpeg.prefix(afterThumbnail))) == .cutShort)
    // An image whose structure cannot be walked is judged by its last bytes alone.
    let odd: [UInt8] = [0xFF, 0xD8, 0x12, 0x34, 0xFF, 0xD9]
    #expect(ImageType.jpeg.ending(of: odd) == .unreadable)
    #expect(ImageType.jpeg.endsWhole(odd))
    #expect(!ImageType.jpeg.endsWhole(Array(odd.dropLast())))
  }

  @Test("an end marker read from a body's first and last bytes: whole images have it, cut ones do not")
  func endMarker() {
    let webp = Array("RIFF".utf8) + [12, 0, 0, 0] + Array("WEBPVP8L".utf8) + [0, 0, 0, 0]
    let images: [(ImageType, [UInt8])] = [
      (.png, Self.png), (.jpeg, Self.jpeg), (.gif, Self.gif), (.webp, webp),
    ]
    for (type, image) in images {
      func marked(_ bytes: [UInt8]) -> Bool {
        type.hasEndMarker(prefix: Array(bytes.prefix(32)), suffix: Array(bytes.suffix(16)), size: bytes.count)
      }
      // The test PNG's IEND has a made-up CRC: no marker, but the walk finds it whole.
      #expect(marked(image) == (type != .png), "\(type)")
      #expect(marked(image) || type.ending(of: image) == .whole(length: image.count), "\(type)")
      if type == .png {
        #expect(marked(image.dropLast(4) + [0xAE, 0x42, 0x60, 0x82]), "a PNG with IEND's real CRC")
      }
      // Cut anywhere past the signature: either the marker is gone, or the walk finds the cut.
      for cut in 8..<image.count {
        let part = Array(image.prefix(cut))
        #expect(!marked(part) || type.ending(of: part) == .cutShort, "\(type) cut to \(cut) bytes")
        #expect(type.ending(of: part) != .whole(length: part.count), "\(type) cut to \(cut) bytes")
      }
    }
  }

  @Test("bytes that stop inside a signature may be an image cut short; other bytes are not")
  func signaturePrefixes() {
    #expect(ImageType.mayBeginSignature([]))
    #expect(ImageType.mayBeginSignature([0x89, 0x50, 0x4E]))
    #expect(ImageType.mayBeginSignature([0xFF, 0xD8]))
    #expect(ImageType.mayBeginSignature(Array("GIF8".utf8)))
    #expect(ImageType.mayBeginSignature(Array("RIFF".utf8) + [1, 2, 3, 4, 0x57]))
    #expect(!ImageType.mayBeginSignature(Array("<htm".utf8)))
    #expect(
      !ImageType.mayBeginSignature([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "a whole signature")
    #expect(!ImageType.mayBeginSignature(Array("RIFF".utf8) + [1, 2, 3, 4, 0x41]))
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
