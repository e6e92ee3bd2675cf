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
    public func replaceAnomalies(runID: Int64, detectorVersion: String, thresholdsJSON: String,
                                 _ anomalies: [Anomaly]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var keyed: [(fingerprint: String, anomaly: Anomaly, evidence: String)] = []
        for (identity, group) in Dictionary(grouping: anomalies, by: Self.identity) {
            let ordered = group.sorted { ($0.summary, -$0.score) < ($1.summary, -$1.score) }
            for (n, anomaly) in ordered.enumerated() {
                guard anomaly.score.isFinite else {
                    throw Diagnostic("cannot store anomalies: \(anomaly.detector) finding \"\(anomaly.summary)\" has a score of \(anomaly.score)")
                }
                let evidence: String
                do {
                    evidence = String(decoding: try encoder.encode(anomaly.evidence), as: UTF8.self)
                } catch {
                    throw Diagnostic("cannot store anomalies: evidence of \(anomaly.detector) finding \"\(anomaly.summary)\" is not JSON: \(error)")
                }
                keyed.append((n == 0 ? identity : "\(identity)#\(n + 1)", anomaly, evidence))
            }
        }
        keyed.sort { $0.fingerprint < $1.fingerprint }

        try write("cannot store anomalies") { db in
            try db.execute(literal: """
                INSERT INTO detection (run_id, detector_version, thresholds, anomaly_count)
                VALUES (\(runID), \(detectorVersion), \(thresholdsJSON), \(keyed.count))
                """)
            let detectionID = db.lastInsertedRowID
            for (fingerprint, a, evidence) in keyed {
                try db.execute(literal: """
                    INSERT INTO anomaly_finding (fingerprint, detection_id, run_id, first_run_id, detector, severity, score,
                                                 reporter, partner, via, hs_code, period_start, period_end, summary, evidence)
                    VALUES (\(fingerprint), \(detectionID), \(runID), \(runID), \(a.detector), \(a.severity.rawValue),
                            \(a.score), \(a.reporter), \(a.partner), \(a.via), \(a.hsCode), \(a.periodStart),
                            \(a.periodEnd), \(a.summary), \(evidence))
                    ON CONFLICT (fingerprint) DO UPDATE SET
                        detection_id = excluded.detection_id, run_id = excluded.run_id, severity = excluded.severity,
                        score = excluded.score, summary = excluded.summary, evidence = excluded.evidence
                    """)
            }
            try db.execute(literal: "DELETE FROM anomaly_finding WHERE detection_id <> \(detectionID)")
        }
    }

    /// The current anomalies, most severe first (severity, then score, descending).
    public func anomalies() throws -> [StoredAnomaly] {
        try read("cannot read anomalies") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, run_id, detector, severity, score, reporter, partner, via, hs_code,
                       period_start, period_end, summary, evidence
                FROM anomalies
                ORDER BY CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC, score DESC, id
                """).map { r in
                let severityText: String = r["severity"]
                let evidenceText: String = r["evidence"]
                guard let severity = Anomaly.Severity(rawValue: severityText) else {
                    throw Diagnostic("cannot read anomalies: unknown severity \(severityText)")
                }
                let evidence: JSONValue
                do {
                    evidence = try JSONDecoder().decode(JSONValue.self, from: Data(evidenceText.utf8))
                } catch {
                    throw Diagnostic("cannot read anomalies: evidence of anomaly \(r["id"] as Int64) is not JSON: \(error)")
                }
                let anomaly = Anomaly(detector: r["detector"], severity: severity, score: r["score"],
                                      reporter: r["reporter"], partner: r["partner"], via: r["via"],
                                      hsCode: r["hs_code"], periodStart: r["period_start"], periodEnd: r["period_end"],
                                      summary: r["summary"], evidence: evidence)
                return StoredAnomaly(id: r["id"], runID: r["run_id"], anomaly: anomaly)
            }
        }
    }

    /// What makes two findings the same across detection runs.
    private static func identity(_ a: Anomaly) -> String {
        [a.detector, a.reporter ?? "", a.partner ?? "", a.via ?? "", a.hsCode ?? "", a.periodStart, a.periodEnd]
            .joined(separator: "|")
    }
}
