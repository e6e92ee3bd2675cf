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
    /// A document for stdout (a filtered report); the summary line then goes to stderr.
    public var document: Data?
    /// The summary's figures, for `--log-format json` (one JSON object instead of the line).
    public var fields: [String: JSONValue]

    public init(status: ExitStatus, summary: String, details: String? = nil, document: Data? = nil,
                fields: [String: JSONValue] = [:]) {
        self.status = status
        self.summary = summary
        self.details = details
        self.document = document
        self.fields = fields
    }
}

extension CommandResult {
    /// The result as one JSON object on one line (`--log-format json`): the figures as numbers,
    /// the exit status and the human summary line.
    public var jsonLine: String {
        var object = fields
        object["exit"] = .number(Double(status.rawValue))
        object["summary"] = .string(summary)
        return JSONValue.object(object).canonicalJSON
    }
}

extension CommandRunner {
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
        var fetched: FetchSummary?
        do {
            try warehouse.replaceReference(countries: reference.countries, commodities: reference.commodities,
                                           exportControls: reference.exportControls, fxRates: reference.fxRates,
                                           concordance: reference.concordance)
            try warehouse.updateSourcePrecedence(SourcePrecedence(definitions: sources))
            if options.fetchFirst {
                fetched = try pipeline(reference: reference).fetch.run(FetchRequest(warehouse: warehouse, runID: runID, sources: sources))
            }
            load = try loadStage(warehouse: warehouse, runID: runID, sources: sources, reference: reference)
            // After the files committed: one figure per question for the reporter-years they touched.
            try refreshRollup(warehouse)
        } catch {
            recordFailedRun(runID, warehouse: warehouse, load: load)
            throw error
        }

        // The ledger says how the run ended only once its reports are written: a run killed while
        // writing them stays `running` (the next run marks it failed), one that cannot write them fails.
        let fetchFailed = fetched.map { !$0.isComplete } ?? false
        let status: RunStatus = load.filesFailed > 0 || fetchFailed ? .partial : .succeeded
        var findings: [Anomaly] = [], cases: [TradeCase] = []
        var reportPath: String?
        do {
            let stages = pipeline(reference: reference)
            if detect {
                let detection = try stages.detect.run(DetectionRequest(warehouse: warehouse, runID: runID, settings: settings))
                (findings, cases) = (detection.findings, detection.cases)
            }
            if report {
                reportPath = try stages.report.run(ReportRequest(warehouse: warehouse, runID: runID, filter: ReportFilter(),
                                                                 ending: RunEnding(status: status, counts: counts(load))))
            }
        } catch {
            recordFailedRun(runID, warehouse: warehouse, load: load)
            throw error
        }
        try warehouse.finishRun(runID, status: status, counts: counts(load))

        var exit: ExitStatus = load.filesFailed > 0 || fetchFailed ? .failure : .success
        if exit == .success, let failOn = options.failOn, findings.contains(where: { $0.severity >= failOn }) {
            exit = .findings
        }
        var line = "tradewatch: \(command) \(runID) \(exit == .failure ? "FAILED" : "ok") — "
            + "\(load.filesSeen) files (\(load.filesLoaded) loaded, \(load.filesSkipped) unchanged, \(load.filesFailed) failed), "
            + "\(load.rowsLoaded) rows loaded, \(load.rowsRejected) rejected"
        if detect {
            let high = findings.filter { $0.severity == .high }.count
            line += ", \(cases.count) cases from \(findings.count) findings (\(high) high)"
        }
        if let fetched { line += ", \(fetched.line)" }
        if let reportPath { line += " → \(reportPath)" }
        var fields: [String: JSONValue] = [
            "command": .string(command), "run": .number(Double(runID)), "ok": .bool(exit != .failure),
            "files": .object(["seen": .number(Double(load.filesSeen)), "loaded": .number(Double(load.filesLoaded)),
                              "unchanged": .number(Double(load.filesSkipped)), "failed": .number(Double(load.filesFailed))]),
            "rows": .object(["loaded": .number(Double(load.rowsLoaded)), "rejected": .number(Double(load.rowsRejected))]),
            "unclaimed_files": .array(load.unclaimed.map { .string($0) }),
        ]
        if detect {
            fields["cases"] = .number(Double(cases.count))
            fields["findings"] = .object(["total": .number(Double(findings.count)),
                                          "high": .number(Double(findings.filter { $0.severity == .high }.count))])
        }
        if let reportPath { fields["report"] = .string(reportPath) }
        if !load.mostlyRejected.isEmpty { fields["mostly_rejected_files"] = .array(load.mostlyRejected.map { .string($0) }) }
        if let fetched { fields["fetch"] = .object(fetched.fields) }
        return CommandResult(status: exit, summary: line,
                             details: detect ? topCases(cases, findings: findings, failures: load.failures) : nil,
                             fields: fields)
    }

    /// Marks a run that stopped on an error `failed` in the ledger (a ledger error is only logged:
    /// the run's own error is the one to report).
    func recordFailedRun(_ runID: Int64, warehouse: Warehouse, load: LoadReport) {
        do {
            try warehouse.finishRun(runID, status: .failed, counts: counts(load))
        } catch {
            logger.error("could not record the failed run in the ledger: \(error)")
        }
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

    /// The cases most at stake, one line each with their findings' detectors, ranked as in the report.
    func topCases(_ cases: [TradeCase], findings: [Anomaly], failures: [String], limit: Int = 10) -> String {
        var out = ""
        if !failures.isEmpty {
            out += "Files that could not be loaded:\n" + failures.map { "  \($0)\n" }.joined()
        }
        guard !cases.isEmpty else { return out + "No findings.\n" }
        out += "Top cases by what is at stake (\(min(limit, cases.count)) of \(cases.count); all in the report and "
            + "`select * from cases order by rank`):\n"
        for c in cases.prefix(limit) {
            let stake = [c.usdAtStake.map { CaseText.usd($0) }, c.tonnesAtStake.map { CaseText.tonnes($0) }]
                .compactMap { $0 }.joined(separator: ", ")
            out += "  #\(c.rank) \(c.severity.rawValue.uppercased()) (confidence \(Int((c.confidence * 100).rounded())) %"
                + (stake.isEmpty ? "" : "; at stake \(stake)") + (c.findings.count > 1 ? "; \(c.findings.count) findings" : "")
                + ") \(findings[c.findings[0]].detector): \(findings[c.findings[0]].summary)\n"
            let shown = Self.folded(c.findings.map { findings[$0] }, perDetector: 2)
            for a in shown { out += "      \(a.detector): \(a.summary)\n" }
            if c.findings.count > shown.count + 1 { out += "      … and \(c.findings.count - shown.count - 1) more in the report\n" }
        }
        return out
    }

    /// The findings shown under a case's lead (which comes first in `ordered`): up to `perDetector`
    /// of each detector, in the case's order, so each kind of evidence is seen.
    static func folded(_ ordered: [Anomaly], perDetector: Int) -> [Anomaly] {
        var counts: [String: Int] = [ordered.first?.detector ?? "": 1]
        var out: [Anomaly] = []
        for a in ordered.dropFirst() where counts[a.detector, default: 0] < perDetector {
            counts[a.detector, default: 0] += 1
            out.append(a)
        }
        return out
    }
}
