import ArgumentParser
import Foundation
import TradeRunner

extension TradeWatchCommand {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run read-only SQL against the warehouse (the connection cannot write).",
            discussion: """
                Named parameters: tradewatch query -p code 28469014 --saved europium-oxide-by-partner-month
                binds :code (a whole number binds as an integer, anything else as text). Under --json a text \
                column holding a JSON object or array (evidence) is output as JSON, not as a string.
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The SQL to run.")
        var sql: String?
        @Option(help: "Read the SQL from a file (e.g. Warehouse/queries/top-partners.sql).")
        var file: String?
        @Option(help: ArgumentHelp("Run a saved query: <queries>/<name>.sql.", valueName: "name"))
        var saved: String?
        @Flag(help: "List the saved queries with their first comment line.")
        var listSaved = false
        @Option(help: ArgumentHelp("The folder of saved queries (default: queries/ next to the warehouse).", valueName: "dir"))
        var queries: String?
        @Option(name: [.customShort("p"), .customLong("param")], parsing: .upToNextOption,
                help: ArgumentHelp("A named parameter's value: -p code 28469014 for :code (repeatable).", valueName: "name value"))
        var parameters: [String] = []
        @Flag(help: "Output CSV.")
        var csv = false
        @Flag(help: "Output tab-separated values (tabs, newlines and backslashes in cells escaped).")
        var tsv = false
        @Flag(help: "Output a Markdown table.")
        var markdown = false
        @Flag(help: "Output a JSON array of objects.")
        var json = false
        @Option(help: ArgumentHelp("Stop the query after this many seconds (0: no limit).", valueName: "seconds"))
        var timeout: Double = 600

        func validate() throws {
            if [csv, tsv, markdown, json].filter({ $0 }).count > 1 {
                throw ValidationError("--csv, --tsv, --markdown and --json exclude each other")
            }
            if !timeout.isFinite || timeout < 0 { throw ValidationError("--timeout must be 0 or a positive number of seconds") }
        }

        func run() throws {
            let library = queries.map { SavedQueries(directory: $0) } ?? SavedQueries(warehousePath: common.warehouse)
            if listSaved {
                FileHandle.standardOutput.write(Data(try library.listing().utf8))
                return
            }
            // `-p` takes values up to the next option: SQL written after it lands there, last.
            var flat = parameters, sql = self.sql
            if flat.count % 2 == 1 && sql == nil && file == nil && saved == nil { sql = flat.removeLast() }
            guard [sql != nil, file != nil, saved != nil].filter({ $0 }).count == 1 else {
                throw ValidationError("give the SQL, --file or --saved (exactly one)")
            }
            let text: String
            if let file {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw RunFailure(.usage, "tradewatch: error: cannot read \(URL(fileURLWithPath: file).standardizedFileURL.path) (see --file)")
                }
                text = String(decoding: contents, as: UTF8.self)
            } else if let saved {
                text = try library.text(of: saved)
            } else {
                text = sql ?? ""
            }
            let format: QueryOutputFormat = csv ? .csv : tsv ? .tsv : markdown ? .markdown : json ? .json : .table
            let inspector = Inspector(warehousePath: common.warehouse)
            // Rows go out as SQLite produces them, not after the whole result is in memory.
            try inspector.query(text, parameters: try SavedQueries.parameters(flat), format: format,
                                timeLimit: timeout > 0 ? timeout : nil) { chunk in
                try FileHandle.standardOutput.write(contentsOf: chunk)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Is the warehouse fresh and healthy? Runs, sources, newest periods, rejected rows, unclaimed files.",
            discussion: "Exits 0 when the warehouse could be read, whatever it shows, unless --fail-on names a condition that holds: then 4.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Output one JSON object (runs, sources, failures, unclaimed files, attention).")
        var json = false
        @Option(help: ArgumentHelp("Exit 4 when this holds: stale (a source older than its stale_after_days), failed (the last run did not succeed or files failed), unclaimed (files no definition reads), any (repeatable).",
                                   valueName: "condition"))
        var failOn: [StatusAttention] = []

        func run() throws {
            let inspector = Inspector(warehousePath: common.warehouse, pipelinesDirectory: common.pipelines,
                                      rawDirectory: common.raw)
            let report = try inspector.status()
            FileHandle.standardOutput.write(Data((json ? report.json : report.text).utf8))
            let status = report.exitStatus(failOn: failOn)
            if status != .success { throw CommandExit(status: status) }
        }
    }
}

extension StatusAttention: ExpressibleByArgument {}

extension TradeWatchCommand {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a finding or case: its evidence, the SQL of its series, the raw lines they came from.",
            discussion: "tradewatch explain 12 explains anomalies.id 12; tradewatch explain --case 3 explains cases.id 3 and each of its findings.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The finding's id (anomalies.id).")
        var id: Int64?
        @Option(name: .customLong("case"), help: ArgumentHelp("Explain the case with this id (cases.id).", valueName: "id"))
        var caseID: Int64?

        func validate() throws {
            if (id == nil) == (caseID == nil) { throw ValidationError("give a finding's id or --case ID (exactly one)") }
        }

        func run() throws {
            let inspector = Inspector(warehousePath: common.warehouse)
            let text = try caseID.map { try inspector.explain(caseID: $0) } ?? inspector.explain(findingID: id ?? 0)
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
