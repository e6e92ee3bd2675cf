import ArgumentParser
import Foundation
import Logging
import TradeCore
import TradeRunner

/// Options every command shares (`--warehouse`, `--raw`, `--pipelines`, logging).
struct CommonOptions: ParsableArguments {
    @Option(help: "The SQLite warehouse file.")
    var warehouse = "Warehouse/tradewatch.sqlite"

    @Option(help: "The raw landing directory (file patterns in definitions are relative to it).")
    var raw = "Raw"

    @Option(help: "The directory of source definitions, detectors.yaml and reference/.")
    var pipelines = "Pipelines"

    @Option(help: "Log format on stderr: human or json (one JSON object per line).")
    var logFormat: LogFormat = .human

    @Flag(help: "Log every file loaded, not only problems.")
    var verbose = false

    func runOptions(reports: String = "Warehouse/reports", wait: Bool = false,
                    failOn: Anomaly.Severity? = nil) -> RunOptions {
        RunOptions(warehousePath: warehouse, rawDirectory: raw, pipelinesDirectory: pipelines,
                   reportsDirectory: reports, wait: wait, failOn: failOn,
                   showProgress: isatty(STDERR_FILENO) == 1 && logFormat == .human)
    }

    /// Bootstraps logging once, to stderr, and returns the pipeline's logger.
    func makeLogger() -> Logger {
        LoggingSetup.bootstrap(format: logFormat, level: verbose ? .info : .warning)
        return Logger(label: "tradewatch")
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Anomaly.Severity: ExpressibleByArgument {}

/// Prints a command's result line (and, when asked or on a terminal, its one-screen overview; with
/// `--log-format json`, one JSON object instead) and exits with its status when it is not 0.
func finish(_ result: CommandResult, summary: Bool? = nil, format: LogFormat = .human) throws {
    if let document = result.document {
        FileHandle.standardOutput.write(document)
    } else if format == .json {
        print(result.jsonLine)
    } else {
        if let details = result.details, summary ?? (isatty(STDOUT_FILENO) == 1) {
            print(details)
        }
        print(result.summary)
    }
    if result.status != .success { throw CommandExit(status: result.status) }
}
