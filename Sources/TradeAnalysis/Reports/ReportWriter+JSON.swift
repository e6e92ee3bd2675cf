import Foundation
import TradeCore

extension ReportWriter {
    /// The version of the JSON layout documented in `docs/report.schema.json`.
    public static let jsonSchemaVersion = 2

    /// Machine-readable report (see `docs/report.schema.json`): run, sources, the shown cases in rank
    /// order and the shown findings (case by case, then those of no case), each finding naming its
    /// case. Non-finite evidence numbers become null; a non-finite score or confidence is a bug and throws.
    public func json(_ input: ReportInput) throws -> Data {
        let layout = self.layout(input)
        let shown = layout.findings
        for f in shown where !f.anomaly.score.isFinite {
            throw ReportWriteError(path: "finding \(f.id)", reason: "score is \(f.anomaly.score), not a finite number")
        }
        for c in layout.cases {
            let numbers = [c.reportCase.tradeCase.confidence, c.reportCase.tradeCase.tonnesAtStake ?? 0, c.reportCase.tradeCase.usdAtStake ?? 0]
            if numbers.contains(where: { !$0.isFinite }) {
                throw ReportWriteError(path: "case \(c.reportCase.id)", reason: "confidence or amount at stake is not a finite number")
            }
        }
        let caseOf = Dictionary(layout.cases.flatMap { c in c.findings.map { ($0.id, c.reportCase.id) } },
                                uniquingKeysWith: { a, _ in a })
        let document = JSONReport(
            schemaVersion: Self.jsonSchemaVersion,
            run: .init(input.run),
            filter: .init(filter),
            findingsTotal: input.findings.count,
            casesTotal: input.cases.count,
            sources: input.sources.map(JSONReport.Source.init),
            cases: layout.cases.map(JSONReport.Case.init),
            findings: shown.map { JSONReport.Finding($0, caseID: caseOf[$0.id]) }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }
}

/// The JSON report's layout; keys are snake_case and optional values are written as null.
struct JSONReport: Encodable {
    var schemaVersion: Int
    var run: Run
    var filter: Filter
    var findingsTotal: Int
    var casesTotal: Int
    var sources: [Source]
    var cases: [Case]
    var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", run, filter, findingsTotal = "findings_total", casesTotal = "cases_total"
        case sources, cases, findings
    }

    struct Run: Encodable {
        var id: Int64, startedAt: String, finishedAt: String?, status: String
        var filesLoaded: Int, filesSkipped: Int, filesFailed: Int, rowsLoaded: Int, rowsRejected: Int
        var detectorVersion: String
        var unjudged: [String: Int]

        init(_ r: RunSummary) {
            (id, startedAt, finishedAt, status) = (r.runID, ReportFormat.iso8601(r.startedAt), r.finishedAt.map(ReportFormat.iso8601), r.status)
            (filesLoaded, filesSkipped, filesFailed) = (r.filesLoaded, r.filesSkipped, r.filesFailed)
            (rowsLoaded, rowsRejected, detectorVersion) = (r.rowsLoaded, r.rowsRejected, r.detectorVersion)
            unjudged = r.unjudged
        }

        enum CodingKeys: String, CodingKey {
            case id, startedAt = "started_at", finishedAt = "finished_at", status
            case filesLoaded = "files_loaded", filesSkipped = "files_skipped", filesFailed = "files_failed"
            case rowsLoaded = "rows_loaded", rowsRejected = "rows_rejected", detectorVersion = "detector_version"
            case unjudged
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(finishedAt, forKey: .finishedAt)
            try c.encode(status, forKey: .status)
            try c.encode(filesLoaded, forKey: .filesLoaded)
            try c.encode(filesSkipped, forKey: .filesSkipped)
            try c.encode(filesFailed, forKey: .filesFailed)
            try c.encode(rowsLoaded, forKey: .rowsLoaded)
            try c.encode(rowsRejected, forKey: .rowsRejected)
            try c.encode(detectorVersion, forKey: .detectorVersion)
            try c.encode(unjudged, forKey: .unjudged)
        }
    }

    struct Filter: Encodable {
        var since: String?, minSeverity: String, detectors: [String]?

        init(_ f: ReportFilter) {
            (since, minSeverity, detectors) = (f.since?.description, f.minSeverity.rawValue, f.detectors?.sorted())
        }

        enum CodingKeys: String, CodingKey { case since, minSeverity = "min_severity", detectors }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(since, forKey: .since)
            try c.encode(minSeverity, forKey: .minSeverity)
            try c.encode(detectors, forKey: .detectors)
        }
    }

    struct Source: Encodable {
        var name: String, files: Int, rows: Int, rejected: Int, newestPeriod: String?, lastLoad: String?
        var stale: Bool, daysBehind: Int?

        init(_ s: SourceSummary) {
            (name, files, rows, rejected) = (s.name, s.files, s.rows, s.rejected)
            (newestPeriod, lastLoad, stale, daysBehind) = (s.newestPeriod?.description, s.lastLoad.map(ReportFormat.iso8601), s.stale, s.daysBehind)
        }

        enum CodingKeys: String, CodingKey {
            case name, files, rows, rejected, newestPeriod = "newest_period", lastLoad = "last_load", stale, daysBehind = "days_behind"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(files, forKey: .files)
            try c.encode(rows, forKey: .rows)
            try c.encode(rejected, forKey: .rejected)
            try c.encode(newestPeriod, forKey: .newestPeriod)
            try c.encode(lastLoad, forKey: .lastLoad)
            try c.encode(stale, forKey: .stale)
            try c.encode(daysBehind, forKey: .daysBehind)
        }
    }

    struct Case: Encodable {
        var id: Int64, tradeCase: TradeCase, findingIDs: [Int64]

        init(_ shown: ReportLayout.Case) {
            (id, tradeCase, findingIDs) = (shown.reportCase.id, shown.reportCase.tradeCase, shown.findings.map(\.id))
        }

        enum CodingKeys: String, CodingKey {
            case id, rank, severity, confidence, category, reporter, partner, via, hsCode = "hs_code"
            case periodStart = "period_start", periodEnd = "period_end", tonnesAtStake = "tonnes_at_stake"
            case usdAtStake = "usd_at_stake", summary, findingIDs = "finding_ids"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(tradeCase.rank, forKey: .rank)
            try c.encode(tradeCase.severity.rawValue, forKey: .severity)
            try c.encode(tradeCase.confidence, forKey: .confidence)
            try c.encode(tradeCase.category.rawValue, forKey: .category)
            try c.encode(tradeCase.reporter, forKey: .reporter)
            try c.encode(tradeCase.partner, forKey: .partner)
            try c.encode(tradeCase.via, forKey: .via)
            try c.encode(tradeCase.hsCode, forKey: .hsCode)
            try c.encode(tradeCase.periodStart, forKey: .periodStart)
            try c.encode(tradeCase.periodEnd, forKey: .periodEnd)
            try c.encode(tradeCase.tonnesAtStake, forKey: .tonnesAtStake)
            try c.encode(tradeCase.usdAtStake, forKey: .usdAtStake)
            try c.encode(tradeCase.summary, forKey: .summary)
            try c.encode(findingIDs, forKey: .findingIDs)
        }
    }

    struct Finding: Encodable {
        var id: Int64, anomaly: Anomaly, caseID: Int64?

        init(_ f: ReportFinding, caseID: Int64?) { (id, anomaly, self.caseID) = (f.id, f.anomaly, caseID) }

        enum CodingKeys: String, CodingKey {
            case id, caseID = "case_id", detector, category, declaredBy = "declared_by", severity, score, reporter, partner, via
            case hsCode = "hs_code", periodStart = "period_start", periodEnd = "period_end", summary, evidence
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(caseID, forKey: .caseID)
            try c.encode(anomaly.detector, forKey: .detector)
            try c.encode(anomaly.category.rawValue, forKey: .category)
            try c.encode(anomaly.declaredBy, forKey: .declaredBy)
            try c.encode(anomaly.severity.rawValue, forKey: .severity)
            try c.encode(anomaly.score, forKey: .score)
            try c.encode(anomaly.reporter, forKey: .reporter)
            try c.encode(anomaly.partner, forKey: .partner)
            try c.encode(anomaly.via, forKey: .via)
            try c.encode(anomaly.hsCode, forKey: .hsCode)
            try c.encode(anomaly.periodStart, forKey: .periodStart)
            try c.encode(anomaly.periodEnd, forKey: .periodEnd)
            try c.encode(anomaly.summary, forKey: .summary)
            try c.encode(Self.finite(anomaly.evidence), forKey: .evidence)
        }

        /// The evidence with NaN and infinities replaced by null (JSON has no such numbers).
        static func finite(_ value: JSONValue) -> JSONValue {
            switch value {
            case .number(let n) where !n.isFinite: return .null
            case .array(let a): return .array(a.map(finite))
            case .object(let o): return .object(o.mapValues(finite))
            default: return value
            }
        }
    }
}
