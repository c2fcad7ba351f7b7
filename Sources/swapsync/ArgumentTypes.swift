import ArgumentParser
import SwapSyncKit

/// A duration flag value: `250ms`, `5s`, `10m`, `1h`.
struct DurationArgument: ExpressibleByArgument {
  var value: Duration
  var defaultValueDescription: String

  init?(argument: String) {
    guard let value = UnitParsing.duration(argument) else { return nil }
    self.value = value
    self.defaultValueDescription = argument
  }
}

/// A size flag value: `512KiB`, `64MiB`, `1GiB` or plain bytes.
struct SizeArgument: ExpressibleByArgument {
  var value: Int
  var defaultValueDescription: String

  init?(argument: String) {
    guard let value = UnitParsing.byteSize(argument), value > 0 else { return nil }
    self.value = value
    self.defaultValueDescription = argument
  }
}

/// `--resubmit uncertain,failed` (repeatable): which paid-for states may be bought again.
struct ResubmitArgument: ExpressibleByArgument {
  var states: Set<EntryState>

  init?(argument: String) {
    var states: Set<EntryState> = []
    for word in argument.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
      switch word {
      case "uncertain": states.insert(.uncertain)
      case "failed": states.insert(.failed)
      case "lost": states.insert(.lost)
      case "all": states.formUnion([.uncertain, .failed, .lost])
      default: return nil
      }
    }
    guard !states.isEmpty else { return nil }
    self.states = states
  }

  static var defaultCompletionKind: CompletionKind { .list(["uncertain", "failed", "lost", "all"]) }
}

import Foundation
