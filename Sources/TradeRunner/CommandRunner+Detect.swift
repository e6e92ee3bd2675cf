import Foundation
import Logging
import TradeCore
import TradeWarehouse
import TradeAnalysis

extension CommandRunner {
    /// Runs every detector over the warehouse's current figures, groups the findings into cases and
    /// replaces the anomaly and case sets. The findings returned carry no evidence (it is stored).
    func detectStage(warehouse: Warehouse, runID: Int64, settings: DetectorSettings) throws -> (findings: [Anomaly], cases: [TradeCase]) {
        var clock = PhaseClock()
        // One pass over the warehouse in table order: the outline of the whole trade, and every row
        // set aside by code family in a temporary file.
        var outline = TradeOutline()
        let spill = try FamilySpill()
        // A worker steps through the table and decodes the rows; this thread outlines them and sets
        // them aside.
        try TwoThreadStream.stream(batchSize: 4096, produce: { emit in
            try warehouse.forEachCurrentTradeRowWithFile { row, source, file in
                try emit(ReadRow(row: row, source: source, file: file))
            }
        }, consume: { (read: ReadRow) in
            let row = read.row
            outline.add(source: read.source, reporter: row.reporter, partner: row.partner, flow: row.flow,
                        hsCode: row.hsCode, period: row.period)
            try spill.add(row, source: read.source, file: read.file)
        })
        clock.lap("read")
        var detection = FamilyDetection(outline: outline, precedence: try sourcePrecedence(),
                                        mineralStats: try warehouse.mineralStats(), exportControls: try warehouse.exportControls(),
                                        commodities: try warehouse.commodities(), countries: try warehouse.countries(),
                                        settings: settings, spool: try EvidenceSpool.temporaryFile())
        // One unit of families at a time: a worker thread reads the next unit's rows back while
        // this one runs the detectors over the last, at most one unit waiting. A finding cites its
        // files from the rows of its unit.
        let paths = try warehouse.rawFilePaths()
        let units = Dictionary(grouping: spill.families, by: detection.units.unit(of:)).sorted { $0.key < $1.key }
        try TwoThreadStream.run(capacity: 1, produce: { send in
            for (_, families) in units {
                var cells = TradeCubeBuilder()
                var files = FamilyFiles(paths: paths)
                for family in families {
                    try spill.forEachRow(inFamily: family) { row, source, file in
                        cells.add(row, source: source)
                        files.add(row, source: source, file: file)
                    }
                }
                try send(UnitRows(cells: cells, files: files))
            }
        }, consume: { (unit: UnitRows) in
            try detection.add(unit.cells, cite: { try FileCitation.citing($0, files: unit.files.files) })
        })
        clock.lap("families")
        // control_diversion compares families: its few findings cite their files from the warehouse.
        let findings = try detection.finish(cite: { finding in
            try FileCitation.citing(finding) {
                try warehouse.rawFiles(source: $0, declarer: $1, flow: $2, codePrefix: $3, partner: $4, from: $5, to: $6,
                                       limit: FileCitation.limit)
            }
        })
        clock.lap("controls")
        let cases = detection.cases(findings)
        let unjudged = detection.unjudged
        if let sentence = Unjudged.sentence(unjudged) { logger.info("\(sentence)") }
        try warehouse.replaceAnomalies(runID: runID, detectorVersion: DetectorSuite.version, thresholdsJSON: settings.fingerprintJSON,
                                       headers: findings, evidence: { try detection.evidence($0) }, cases: cases, unjudged: unjudged)
        clock.lap("cases_and_store")
        let high = findings.filter { $0.severity == .high }.count
        logger.info("detection finished", metadata: ["findings": .stringConvertible(findings.count), "high": .stringConvertible(high),
                                                     "cases": .stringConvertible(cases.count), "families": .stringConvertible(detection.families),
                                                     "detector.version": "\(DetectorSuite.version)"].merging(clock.metadata) { $1 })
        return (findings, cases)
    }

    /// Which source answers for a declarer, from the source definitions.
    func sourcePrecedence() throws -> SourcePrecedence {
        SourcePrecedence(definitions: try loadConfiguration().sources)
    }

    /// `tradewatch detect`: detection alone, under the lock, as its own ledger run.
    public func detect() throws -> CommandResult {
        let settings = try loadDetectorSettings()
        try PathChecks.requireWarehouse(options.warehousePath, command: "detect")
        let lock = try lock()
        defer { lock.release() }
        let warehouse = try openWarehouse()
        try refreshRollup(warehouse)
        let runID = try beginRun(warehouse, command: "detect")
        let (anomalies, cases) = try detectStage(warehouse: warehouse, runID: runID, settings: settings)
        try warehouse.finishRun(runID, status: .succeeded, counts: RunCounts())
        var status = ExitStatus.success
        if let failOn = options.failOn, anomalies.contains(where: { $0.severity >= failOn }) { status = .findings }
        let high = anomalies.filter { $0.severity == .high }.count
        return CommandResult(status: status, summary: "tradewatch: detect \(runID) ok — \(cases.count) cases from \(anomalies.count) findings (\(high) high)",
                             fields: ["command": .string("detect"), "run": .number(Double(runID)), "ok": .bool(true),
                                      "cases": .number(Double(cases.count)),
                                      "findings": .object(["total": .number(Double(anomalies.count)), "high": .number(Double(high))])])
    }
}

/// A current trade row as detection's reading worker hands it over: with its source and raw file.
private struct ReadRow: Sendable {
    let row: TradeRow
    let source: String
    let file: Int64
}

/// One unit of code families as the detection worker hands it over: its rows summed into cells,
/// and which file each came from.
private struct UnitRows: Sendable {
    let cells: TradeCubeBuilder
    let files: FamilyFiles
}

/// Seconds spent in each phase of a command, for `--verbose`.
struct PhaseClock {
    private var last = Date()
    private var laps: [(phase: String, seconds: Double)] = []

    mutating func lap(_ phase: String) {
        let now = Date()
        laps.append((phase, now.timeIntervalSince(last)))
        last = now
    }

    /// `seconds.<phase>` for each phase.
    var metadata: Logger.Metadata {
        Dictionary(laps.map { ("seconds.\($0.phase)", Logger.MetadataValue.string(String(format: "%.2f", $0.seconds))) },
                   uniquingKeysWith: { $1 })
    }
}
