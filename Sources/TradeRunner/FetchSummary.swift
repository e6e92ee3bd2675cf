import TradeCore
import TradeFetch

/// What the fetch stage did over every source it fetched.
struct FetchSummary {
    var outcomes: [FetchOutcome] = []

    var files: [String] { outcomes.flatMap(\.files) }
    var tries: Int { outcomes.reduce(0) { $0 + $1.tries } }
    var failures: [String] { outcomes.flatMap(\.failures) }
    var isComplete: Bool { failures.isEmpty }

    /// `fetched N files in M calls` (and what failed).
    var line: String {
        "fetched \(files.count) files in \(tries) calls" + (isComplete ? "" : ", \(failures.count) not fetched")
    }

    var fields: [String: JSONValue] {
        ["files": .number(Double(files.count)), "calls": .number(Double(tries)),
         "failures": .array(failures.map { .string($0) })]
    }
}
