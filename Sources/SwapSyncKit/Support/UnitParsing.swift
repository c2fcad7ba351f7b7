import Units

/// The duration and size parser shared with the emulator; it lives in the `Units` library so that
/// `swapsync` and `ttapi-emulator` accept the same `250ms`, `5s`, `64MiB` spellings.
public typealias UnitParsing = Units.UnitParsing
