import ArgumentParser
import Foundation
import TradeRunner

extension TradeWatchCommand {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run read-only SQL against the warehouse (the connection cannot write).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The SQL to run.")
        var sql: String?
        @Option(help: "Read the SQL from a file (e.g. Warehouse/queries/top-partners.sql).")
        var file: String?
        @Flag(help: "Output CSV.")
        var csv = false
        @Flag(help: "Output a JSON array of objects.")
        var json = false
        @Option(help: ArgumentHelp("Stop the query after this many seconds (0: no limit).", valueName: "seconds"))
        var timeout: Double = 600

        func validate() throws {
            if (sql == nil) == (file == nil) { throw ValidationError("give either SQL or --file, not both or neither") }
            if csv && json { throw ValidationError("--csv and --json exclude each other") }
            if !timeout.isFinite || timeout < 0 { throw ValidationError("--timeout must be 0 or a positive number of seconds") }
        }

        func run() throws {
            let text: String
            if let file {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw RunFailure(.failure, "tradewatch: cannot read \(file)")
                }
                text = String(decoding: contents, as: UTF8.self)
            } else {
                text = sql ?? ""
            }
            let format: QueryOutputFormat = csv ? .csv : json ? .json : .table
            let inspector = Inspector(warehousePath: common.warehouse)
            // Rows go out as SQLite produces them, not after the whole result is in memory.
            try inspector.query(text, format: format, timeLimit: timeout > 0 ? timeout : nil) { chunk in
                try FileHandle.standardOutput.write(contentsOf: chunk)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Is the warehouse fresh and healthy? Runs, sources, newest periods, rejected rows.")
        @OptionGroup var common: CommonOptions

        func run() throws {
            let inspector = Inspector(warehousePath: common.warehouse, pipelinesDirectory: common.pipelines)
            // Always exit 0 when the warehouse could be read: staleness and failures are reported, not errors.
            let (text, _) = try inspector.status()
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
