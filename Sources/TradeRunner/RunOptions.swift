import Foundation
import TradeCore
import TradeFetch

/// Where a run reads and writes, and how it behaves; filled by the command line.
public struct RunOptions: Sendable {
    public var warehousePath: String
    public var rawDirectory: String
    public var pipelinesDirectory: String
    public var reportsDirectory: String
    /// Wait for another run's lock instead of exiting 3.
    public var wait: Bool
    /// A finding of at least this severity makes `run` exit 4.
    public var failOn: Anomaly.Severity?
    /// Show progress (files, rows/s) on stderr; only when stderr is a terminal.
    public var showProgress: Bool
    /// The time rows are judged against (a period after its month is rejected); nil: the clock.
    public var now: Date?
    /// `run --fetch`: fetch the sources with a `fetch:` block before loading.
    public var fetchFirst = false
    /// Fetch only this source (`fetch --source NAME`); nil: every source with a `fetch:` block.
    public var fetchSource: String?
    /// Tries, backoff, timeouts and the clock of fetching.
    public var fetchPolicy = FetchPolicy()
    /// Where `key_env` is looked up.
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(warehousePath: String = "Warehouse/tradewatch.sqlite", rawDirectory: String = "Raw",
                pipelinesDirectory: String = "Pipelines", reportsDirectory: String = "Warehouse/reports",
                wait: Bool = false, failOn: Anomaly.Severity? = nil, showProgress: Bool = false) {
        self.warehousePath = warehousePath
        self.rawDirectory = rawDirectory
        self.pipelinesDirectory = pipelinesDirectory
        self.reportsDirectory = reportsDirectory
        self.wait = wait
        self.failOn = failOn
        self.showProgress = showProgress
    }
}

/// Exit codes of the command-line contract (docs/ARCHITECTURE.md, "Command line").
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// A failure; nothing was half-loaded.
    case failure = 1
    case usage = 2
    /// Another run holds the warehouse lock.
    case locked = 3
    /// A finding reached `--fail-on`.
    case findings = 4
}

/// A run-level failure carrying the exit status it maps to.
public struct RunFailure: Error, CustomStringConvertible, Sendable {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
