import Foundation
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest
import TradeAnalysis

/// The result of a command, for the executable to print and exit with.
public struct CommandResult: Sendable {
    public var status: ExitStatus
    /// One summary line for stdout.
    public var summary: String
    /// A one-screen overview (top findings) for a person at a terminal; nil when there is none.
    public var details: String?

    public init(status: ExitStatus, summary: String, details: String? = nil) {
        self.status = status
        self.summary = summary
        self.details = details
    }
}

extension Pipeline {
    /// `tradewatch run`: every stage, under the run lock, recorded in the run ledger.
    public func run() throws -> CommandResult {
        try execute(command: "run", detect: true, report: true)
    }

    /// `tradewatch load`: extract, normalize and load only.
    public func load() throws -> CommandResult {
        try execute(command: "load", detect: false, report: false)
    }

    /// `tradewatch init`: create or migrate the warehouse and load the reference tables.
    public func initialize() throws -> CommandResult {
        let (sources, reference) = try loadConfiguration()
        let lock = try lock()
        defer { lock.release() }
        let warehouse = try openWarehouse()
        try warehouse.replaceReference(countries: reference.countries, commodities: reference.commodities,
                                       exportControls: reference.exportControls, fxRates: reference.fxRates,
                                       concordance: reference.concordance)
        try warehouse.updateSourcePrecedence(SourcePrecedence(definitions: sources))
        try refreshRollup(warehouse)
        return CommandResult(status: .success, summary: "tradewatch: warehouse ready at \(options.warehousePath)")
    }

    func execute(command: String, detect: Bool, report: Bool) throws -> CommandResult {
        // Configuration first: a broken definition loads nothing at all.
        let (sources, reference) = try loadConfiguration()
        let settings = detect ? try loadDetectorSettings() : DetectorSettings()
        let lock = try lock()
        defer { lock.release() }
        let warehouse = try openWarehouse()

        let runID = try beginRun(warehouse, command: command)
        var load = LoadReport()
        do {
            try warehouse.replaceReference(countries: reference.countries, commodities: reference.commodities,
                                           exportControls: reference.exportControls, fxRates: reference.fxRates,
                                           concordance: reference.concordance)
            try warehouse.updateSourcePrecedence(SourcePrecedence(definitions: sources))
            load = try loadStage(warehouse: warehouse, runID: runID, sources: sources, reference: reference)
            // After the files committed: one figure per question for the reporter-years they touched.
            try refreshRollup(warehouse)
        } catch {
            do {
                try warehouse.finishRun(runID, status: .failed, counts: counts(load))
            } catch let ledger {
                logger.error("could not record the failed run in the ledger: \(ledger)")
            }
            throw error
        }

        var findings: [Anomaly] = []
        if detect {
            findings = try detectStage(warehouse: warehouse, runID: runID, settings: settings)
        }
        let status: RunStatus = load.filesFailed > 0 ? .partial : .succeeded
        try warehouse.finishRun(runID, status: status, counts: counts(load))
        var reportPath: String?
        if report {
            reportPath = try reportStage(warehouse: warehouse, runID: runID, filter: ReportFilter())
        }

        var exit: ExitStatus = load.filesFailed > 0 ? .failure : .success
        if exit == .success, let failOn = options.failOn, findings.contains(where: { $0.severity >= failOn }) {
            exit = .findings
        }
        var line = "tradewatch: \(command) \(runID) \(exit == .failure ? "FAILED" : "ok") — "
            + "\(load.filesSeen) files (\(load.filesLoaded) loaded, \(load.filesSkipped) unchanged, \(load.filesFailed) failed), "
            + "\(load.rowsLoaded) rows loaded, \(load.rowsRejected) rejected"
        if detect {
            let high = findings.filter { $0.severity == .high }.count
            line += ", \(findings.count) findings (\(high) high)"
        }
        if let reportPath { line += " → \(reportPath)" }
        return CommandResult(status: exit, summary: line,
                             details: detect ? topFindings(findings, failures: load.failures) : nil)
    }

    /// Recomputes `trade_rollup` and `coverage` where loads (this one or one killed before its
    /// refresh) or a precedence change queued reporter-years.
    func refreshRollup(_ warehouse: Warehouse) throws {
        let start = Date()
        let refreshed = try warehouse.refreshRollup()
        guard refreshed > 0 else { return }
        logger.info("trade rollup refreshed", metadata: [
            "reporter_years": "\(refreshed)",
            "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(start)))"])
    }

    func counts(_ load: LoadReport) -> RunCounts {
        RunCounts(filesSeen: load.filesSeen, filesLoaded: load.filesLoaded, filesSkipped: load.filesSkipped,
                  filesFailed: load.filesFailed, rowsLoaded: load.rowsLoaded, rowsRejected: load.rowsRejected)
    }

    /// The most important findings, one line each, ranked as in the report.
    func topFindings(_ findings: [Anomaly], failures: [String], limit: Int = 10) -> String {
        var out = ""
        if !failures.isEmpty {
            out += "Files that could not be loaded:\n" + failures.map { "  \($0)\n" }.joined()
        }
        let ranked = findings.sorted {
            $0.severity != $1.severity ? $0.severity > $1.severity : $0.relativeScore > $1.relativeScore
        }
        guard !ranked.isEmpty else { return out + "No findings.\n" }
        out += "Top findings (\(min(limit, ranked.count)) of \(ranked.count); all in the report and `select * from anomalies`):\n"
        for anomaly in ranked.prefix(limit) {
            out += "  \(anomaly.severity.rawValue.uppercased().padding(toLength: 6, withPad: " ", startingAt: 0)) "
                + "\(anomaly.detector): \(anomaly.summary)\n"
        }
        return out
    }
}
