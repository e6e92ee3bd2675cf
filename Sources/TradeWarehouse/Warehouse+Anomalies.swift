import Foundation
import GRDB
import TradeCore

extension Warehouse {
    /// Replaces the current anomaly set with `anomalies` in one transaction and records the detection.
    ///
    /// Idempotent: a finding is identified by detector, reporter, partner, via, hs_code and periods,
    /// so re-detecting an unchanged warehouse updates the same rows (same ids) and never duplicates
    /// them; findings no longer reported are removed. Findings sharing that identity within one call
    /// are all kept, told apart by their order (summary, then score).
    ///
    /// `cases` group the findings (their `findings` index into `anomalies`); they replace the previous
    /// cases, and each finding records its case. `unjudged` counts the series left without a verdict, by reason.
    public func replaceAnomalies(runID: Int64, detectorVersion: String, thresholdsJSON: String,
                                 _ anomalies: [Anomaly], cases: [TradeCase] = [], unjudged: [String: Int] = [:]) throws {
        let encoded = anomalies.map { StoredEvidence.encode($0.evidence) }
        try replaceAnomalies(runID: runID, detectorVersion: detectorVersion, thresholdsJSON: thresholdsJSON,
                             headers: anomalies, evidence: { encoded[$0] }, cases: cases, unjudged: unjudged)
    }

    /// `replaceAnomalies` of findings whose evidence is already stored JSON text: `evidence(i)` is
    /// that of `headers[i]` (whose own evidence is ignored), asked for once, while it is written.
    public func replaceAnomalies(runID: Int64, detectorVersion: String, thresholdsJSON: String,
                                 headers: [Anomaly], evidence: (Int) throws -> String,
                                 cases: [TradeCase] = [], unjudged: [String: Int] = [:]) throws {
        var keyed: [(fingerprint: String, index: Int)] = []
        for (identity, group) in Dictionary(grouping: headers.indices, by: { Self.identity(headers[$0]) }) {
            let ordered = group.sorted { (headers[$0].summary, -headers[$0].score) < (headers[$1].summary, -headers[$1].score) }
            for (n, index) in ordered.enumerated() {
                let anomaly = headers[index]
                guard anomaly.score.isFinite else {
                    throw Diagnostic("cannot store anomalies: \(anomaly.detector) finding \"\(anomaly.summary)\" has a score of \(anomaly.score)")
                }
                keyed.append((n == 0 ? identity : "\(identity)#\(n + 1)", index))
            }
        }
        keyed.sort { $0.fingerprint < $1.fingerprint }

        try write("cannot store anomalies") { db in
            let unjudgedJSON = JSONValue.object(unjudged.mapValues { .number(Double($0)) }).canonicalJSON
            try db.execute(literal: """
                INSERT INTO detection (run_id, detector_version, thresholds, anomaly_count, unjudged)
                VALUES (\(runID), \(detectorVersion), \(thresholdsJSON), \(keyed.count), \(unjudgedJSON))
                """)
            let detectionID = db.lastInsertedRowID
            var ids = [Int64](repeating: 0, count: headers.count)
            for (fingerprint, index) in keyed {
                let (a, evidence) = (headers[index], try evidence(index))
                ids[index] = try Int64.fetchOne(db, SQLRequest<Int64>(literal: """
                    INSERT INTO anomaly_finding (fingerprint, detection_id, run_id, first_run_id, detector, severity, score,
                                                 reporter, partner, via, hs_code, period_start, period_end, summary, evidence,
                                                 category, declared_by)
                    VALUES (\(fingerprint), \(detectionID), \(runID), \(runID), \(a.detector), \(a.severity.rawValue),
                            \(a.score), \(a.reporter), \(a.partner), \(a.via), \(a.hsCode), \(a.periodStart),
                            \(a.periodEnd), \(a.summary), \(evidence), \(a.category.rawValue), \(a.declaredBy))
                    ON CONFLICT (fingerprint) DO UPDATE SET
                        detection_id = excluded.detection_id, run_id = excluded.run_id, severity = excluded.severity,
                        score = excluded.score, summary = excluded.summary, evidence = excluded.evidence,
                        category = excluded.category, declared_by = excluded.declared_by, case_id = NULL
                    RETURNING id
                    """)) ?? 0
            }
            try db.execute(literal: "DELETE FROM anomaly_finding WHERE detection_id <> \(detectionID)")
            try db.execute(sql: "DELETE FROM finding_case")
            for c in cases {
                try db.execute(literal: """
                    INSERT INTO finding_case (detection_id, rank, severity, confidence, category, reporter, partner, via,
                                              hs_code, period_start, period_end, tonnes_at_stake, usd_at_stake, summary,
                                              finding_count)
                    VALUES (\(detectionID), \(c.rank), \(c.severity.rawValue), \(c.confidence), \(c.category.rawValue),
                            \(c.reporter), \(c.partner), \(c.via), \(c.hsCode), \(c.periodStart), \(c.periodEnd),
                            \(c.tonnesAtStake), \(c.usdAtStake), \(c.summary), \(c.findings.count))
                    """)
                let caseID = db.lastInsertedRowID
                for i in c.findings {
                    try db.execute(literal: "UPDATE anomaly_finding SET case_id = \(caseID) WHERE id = \(ids[i])")
                }
            }
        }
    }

    /// The current anomalies, most severe first (severity, then score, descending).
    public func anomalies() throws -> [StoredAnomaly] {
        try read("cannot read anomalies") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, run_id, detector, severity, score, reporter, partner, via, hs_code,
                       period_start, period_end, summary, evidence, category, declared_by, case_id
                FROM anomalies
                ORDER BY \(Self.severityOrder) DESC, score DESC, id
                """).map { r in
                let evidenceText: String = r["evidence"]
                let evidence: JSONValue
                do {
                    evidence = try JSONDecoder().decode(JSONValue.self, from: Data(evidenceText.utf8))
                } catch {
                    throw Diagnostic("cannot read anomalies: evidence of anomaly \(r["id"] as Int64) is not JSON: \(error)")
                }
                var anomaly = Anomaly(detector: r["detector"], severity: try Self.severity(r, "anomalies"), score: r["score"],
                                      reporter: r["reporter"], partner: r["partner"], via: r["via"],
                                      hsCode: r["hs_code"], periodStart: r["period_start"], periodEnd: r["period_end"],
                                      summary: r["summary"], evidence: evidence, declaredBy: r["declared_by"])
                anomaly.category = try Self.category(r, "anomalies")
                return StoredAnomaly(id: r["id"], runID: r["run_id"], anomaly: anomaly, caseID: r["case_id"])
            }
        }
    }

    /// The current cases in rank order, each with the ids of its findings (most severe first, then
    /// by descending score). Reads every case and every link once.
    public func cases() throws -> [StoredCase] {
        try read("cannot read cases") { db in
            var members: [Int64: [Int64]] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT id, case_id FROM anomalies WHERE case_id IS NOT NULL
                ORDER BY \(Self.severityOrder) DESC, score DESC, id
                """) {
                members[r["case_id"], default: []].append(r["id"])
            }
            return try Row.fetchAll(db, sql: """
                SELECT id, rank, severity, confidence, category, reporter, partner, via, hs_code,
                       period_start, period_end, tonnes_at_stake, usd_at_stake, summary
                FROM cases
                ORDER BY rank, id
                """).map { r in
                let ids = members[r["id"]] ?? []
                let tradeCase = TradeCase(
                    rank: r["rank"], severity: try Self.severity(r, "cases"), confidence: r["confidence"],
                    category: try Self.category(r, "cases"), reporter: r["reporter"], partner: r["partner"], via: r["via"],
                    hsCode: r["hs_code"], periodStart: r["period_start"], periodEnd: r["period_end"],
                    tonnesAtStake: r["tonnes_at_stake"], usdAtStake: r["usd_at_stake"], summary: r["summary"],
                    findings: Array(ids.indices))
                return StoredCase(id: r["id"], tradeCase: tradeCase, findingIDs: ids)
            }
        }
    }

    /// Orders rows by severity as text (`high` first when descending).
    private static let severityOrder = "CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END"

    private static func severity(_ r: Row, _ view: String) throws -> Anomaly.Severity {
        let text: String = r["severity"]
        guard let severity = Anomaly.Severity(rawValue: text) else {
            throw Diagnostic("cannot read \(view): unknown severity \(text)")
        }
        return severity
    }

    private static func category(_ r: Row, _ view: String) throws -> Anomaly.Category {
        let text: String = r["category"]
        guard let category = Anomaly.Category(rawValue: text) else {
            throw Diagnostic("cannot read \(view): unknown category \(text)")
        }
        return category
    }

    /// What makes two findings the same across detection runs.
    private static func identity(_ a: Anomaly) -> String {
        [a.detector, a.reporter ?? "", a.partner ?? "", a.via ?? "", a.hsCode ?? "", a.periodStart, a.periodEnd]
            .joined(separator: "|")
    }

    /// The latest detection's count of series left unjudged, by reason (empty before any detection).
    public func latestUnjudged() throws -> [String: Int] {
        try read("cannot read the latest detection") { db in
            guard let text = try String.fetchOne(db, sql: "SELECT unjudged FROM detection ORDER BY id DESC LIMIT 1") else {
                return [:]
            }
            do {
                return try JSONDecoder().decode([String: Int].self, from: Data(text.utf8))
            } catch {
                throw Diagnostic("cannot read the latest detection: unjudged counts are not a JSON object of counts: \(text)")
            }
        }
    }
}
