// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "swapsync",
  // Mutex (Synchronization) needs macOS 15.
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "swapsync", targets: ["swapsync"]),
    .executable(name: "ttapi-emulator", targets: ["ttapi-emulator"]),
    .library(name: "SwapSyncKit", targets: ["SwapSyncKit"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    // Declared for the emulator's connection-fault handler; Hummingbird already depends on them.
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    // The emulator's gzip fault kinds and its compressed result PNGs (zlib).
    .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    // Lets the emulator's trickle fault stop when the server shuts down; Hummingbird depends on it.
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    // Renders the gallery page (`swapsync gallery`) from an escaping HTML template.
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    // FileDescriptor and Errno under SwapSyncKit's POSIX layer (Store/Posix.swift).
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CCurl",
      pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
    ),
    // POSIX and Linux calls Swift's Glibc module does not import (fallocate).
    .systemLibrary(name: "CPosix"),
    // The duration and size parser shared by swapsync and the emulator (no dependencies).
    .target(name: "Units"),
    .target(
      name: "SwapSyncKit",
      dependencies: [
        "CCurl",
        "CPosix",
        "Units",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "SystemPackage", package: "swift-system"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ]
    ),
    .executableTarget(
      name: "swapsync",
      dependencies: [
        "SwapSyncKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "TTAPIEmulator",
      dependencies: [
        "Units",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "CompressNIO", package: "compress-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .executableTarget(
      name: "ttapi-emulator",
      dependencies: [
        "TTAPIEmulator",
        "Units",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "UnitsTests", dependencies: ["Units"]),
    .testTarget(
      name: "SwapSyncKitTests",
      dependencies: [
        "SwapSyncKit", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ]),
    .testTarget(
      name: "IntegrationTests",
      dependencies: ["SwapSyncKit", .product(name: "HTTPTypes", package: "swift-http-types")]),
  ],
  swiftLanguageModes: [.v6]
)
