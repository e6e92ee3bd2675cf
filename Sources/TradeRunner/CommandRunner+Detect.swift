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
        var outline = TradeOutline()
        try warehouse.forEachCurrentTradeKey { outline.add(source: $0, reporter: $1, partner: $2, flow: $3, hsCode: $4, period: $5) }
        clock.lap("outline")
        var detection = FamilyDetection(outline: outline, precedence: try sourcePrecedence(),
                                        mineralStats: try warehouse.mineralStats(), exportControls: try warehouse.exportControls(),
                                        commodities: try warehouse.commodities(), countries: try warehouse.countries(),
                                        settings: settings, spool: try EvidenceSpool.temporaryFile())
        // One family at a time: a worker thread reads the next family's rows (SQLite sorts them by
        // family) while this one runs the detectors over the last, at most one family waiting.
        let units = detection.units
        try TwoThreadStream.run(capacity: 1, produce: { send in
            var family: String?
            var cells = TradeCubeBuilder()
            try warehouse.forEachCurrentTradeRowByFamily { row, source in
                let unit = units.unit(of: row.hsCode)
                if unit != family {
                    if family != nil { try send(cells) }
                    (family, cells) = (unit, TradeCubeBuilder())
                }
                cells.add(row, source: source)
            }
            if family != nil { try send(cells) }
        }, consume: { try detection.add($0) })
        clock.lap("families")
        let findings = try detection.finish()
        clock.lap("controls")
        // One finding's evidence is a tree only while its files are cited; then it waits in a file.
        let cited = try EvidenceSpool.temporaryFile()
        for (i, header) in findings.enumerated() {
            let finding = try citingFiles(StoredEvidence.decode(detection.evidence(i), into: header), warehouse)
            try cited.append(StoredEvidence.encode(finding.evidence, of: finding))
        }
        clock.lap("citations")
        let cases = detection.cases(findings)
        let unjudged = detection.unjudged
        if let sentence = Unjudged.sentence(unjudged) { logger.info("\(sentence)") }
        try warehouse.replaceAnomalies(runID: runID, detectorVersion: DetectorSuite.version, thresholdsJSON: settings.fingerprintJSON,
                                       headers: findings, evidence: { try cited.text($0) }, cases: cases, unjudged: unjudged)
        clock.lap("cases_and_store")
        let high = findings.filter { $0.severity == .high }.count
        logger.info("detection finished", metadata: ["findings": .stringConvertible(findings.count), "high": .stringConvertible(high),
                                                     "cases": .stringConvertible(cases.count), "families": .stringConvertible(detection.families),
                                                     "detector.version": "\(DetectorSuite.version)"].merging(clock.metadata) { $1 })
        return (findings, cases)
    }

    /// The finding's evidence with the raw files each declaration came from (`files`, or
    /// `exporter_files` and `importer_files` for a mirror gap), so an analyst can open them.
    func citingFiles(_ a: Anomaly, _ warehouse: Warehouse) throws -> Anomaly {
        guard case .object(var evidence) = a.evidence, let code = a.hsCode, let exporter = a.reporter else { return a }
        func files(_ source: JSONValue?, declarer: String, flow: Flow, partner: String?) throws -> JSONValue? {
            guard let source = source?.stringValue else { return nil }
            let paths = try warehouse.rawFiles(source: source, declarer: declarer, flow: flow, codePrefix: code,
                                               partner: partner, from: a.periodStart, to: a.periodEnd)
            return .array(paths.map { .string($0) })
        }
        if a.detector == "mirror_gap", let sources = evidence["sources"]?.objectValue, let importer = a.partner {
            evidence["exporter_files"] = try files(sources["exporter_source"], declarer: exporter, flow: .export, partner: importer)
            evidence["importer_files"] = try files(sources["importer_source"], declarer: importer, flow: .import, partner: exporter)
        } else if let declarer = evidence["declared_by"]?.stringValue ?? a.declaredBy {
            let flow = evidence["flow"]?.stringValue.flatMap(Flow.init(rawValue:)) ?? (declarer == exporter ? .export : .import)
            let counterpart = declarer == exporter ? a.partner : exporter
            evidence["files"] = try files(evidence["source"], declarer: declarer, flow: flow,
                                          partner: counterpart == "WLD" ? nil : counterpart)
        }
        var cited = a
        cited.evidence = .object(evidence)
        return cited
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
