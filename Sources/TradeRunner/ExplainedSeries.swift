import Foundation
import TradeCore

/// One series of `trade` a finding rests on, as SQL `tradewatch query` runs.
struct ExplainedSeries: Sendable, Equatable {
    var label: String
    var reporter: String
    /// nil: every partner but the world total, summed per period.
    var partner: String?
    var flow: String
    var hsCode: String?
    var source: String?

    /// The series by period: its rows for one partner, the per-period sums over all partners.
    var sql: String {
        partner == nil
            ? "SELECT period, sum(quantity_kg) AS quantity_kg, sum(value_usd) AS value_usd, "
                + "group_concat(DISTINCT source) AS source FROM trade WHERE \(condition) GROUP BY period ORDER BY period"
            : "SELECT period, quantity_kg, value_usd, source FROM trade WHERE \(condition) ORDER BY period"
    }

    var rawSQL: String {
        "SELECT raw_file, raw_line FROM trade WHERE \(condition) ORDER BY period, raw_file, raw_line LIMIT \(Explainer.rawLineLimit)"
    }

    var countSQL: String { "SELECT count(*) FROM trade WHERE \(condition)" }

    private var condition: String {
        var parts = ["reporter = \(Self.quote(reporter))",
                     partner.map { "partner = \(Self.quote($0))" } ?? "partner <> 'WLD'",
                     "flow = \(Self.quote(flow))"]
        if let hsCode { parts.append("hs_code LIKE \(Self.quote(Self.likePrefix(hsCode)))") }
        if let source { parts.append("source = \(Self.quote(source))") }
        return parts.joined(separator: " AND ")
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// `code%`; codes are digits, so no LIKE wildcard needs escaping.
    static func likePrefix(_ code: String) -> String { code + "%" }

    /// The series behind `a`: both declarations of a mirror gap, both legs of a conduit, one per
    /// source of a source conflict, else the declarer's series with the partner (and, for
    /// `new_partner`, the code's total over all partners, which its share is of).
    static func series(for a: Anomaly) -> [ExplainedSeries] {
        guard case .object(let evidence) = a.evidence else { return [] }
        let code = a.hsCode
        switch a.detector {
        case "mirror_gap":
            guard let exporter = a.reporter, let importer = a.partner else { return [] }
            let sources = evidence["sources"]?.objectValue ?? [:]
            return [
                ExplainedSeries(label: "\(exporter)'s declared exports to \(importer)", reporter: exporter, partner: importer,
                                flow: Flow.export.rawValue, hsCode: code, source: sources["exporter_source"]?.stringValue),
                ExplainedSeries(label: "\(importer)'s declared imports from \(exporter)", reporter: importer, partner: exporter,
                                flow: Flow.import.rawValue, hsCode: code, source: sources["importer_source"]?.stringValue),
            ]
        case "transshipment_conduit":
            guard let origin = a.reporter, let via = a.via, let destination = a.partner else { return [] }
            return [
                ExplainedSeries(label: "\(origin)'s exports to \(via)", reporter: origin, partner: via,
                                flow: Flow.export.rawValue, hsCode: code, source: nil),
                ExplainedSeries(label: "\(via)'s exports to \(destination)", reporter: via, partner: destination,
                                flow: Flow.export.rawValue, hsCode: code, source: nil),
            ]
        default:
            return declarerSeries(a, evidence)
        }
    }

    private static func declarerSeries(_ a: Anomaly, _ evidence: [String: JSONValue]) -> [ExplainedSeries] {
        guard let declarer = evidence["declared_by"]?.stringValue ?? a.declaredBy ?? a.reporter,
              !declarer.contains("+") else { return [] }
        let flow = evidence["flow"]?.stringValue ?? (declarer == a.reporter ? Flow.export : Flow.import).rawValue
        // The declarer's counterpart: the finding's partner, or its reporter when the partner declared.
        let counterpart = declarer == a.reporter || a.reporter == nil ? a.partner : a.reporter
        var sources: [String?] = [evidence["source"]?.stringValue]
        if case .array(let named)? = evidence["sources"] {
            let names = named.compactMap(\.stringValue)
            if !names.isEmpty { sources = names }
        }
        var out: [ExplainedSeries] = []
        for source in sources {
            let from = source.map { ", source \($0)" } ?? ""
            let code = a.hsCode.map { " of \($0)" } ?? ""
            if let counterpart {
                out.append(ExplainedSeries(label: "\(declarer)'s \(flow)s\(code) with \(counterpart)\(from)", reporter: declarer,
                                           partner: counterpart, flow: flow, hsCode: a.hsCode, source: source))
            }
            if counterpart == nil || a.detector == "new_partner" {
                out.append(ExplainedSeries(label: "\(declarer)'s \(flow)s\(code) with all partners\(from)", reporter: declarer,
                                           partner: nil, flow: flow, hsCode: a.hsCode, source: source))
            }
        }
        return out
    }
}
