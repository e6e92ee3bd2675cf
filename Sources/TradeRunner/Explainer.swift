import Foundation
import TradeCore
import TradeWarehouse
import TradeAnalysis

/// `tradewatch explain`: a finding or case told in sentences, with the SQL that reproduces each
/// series it rests on and the raw files and lines those figures were read from.
struct Explainer {
    /// Raw lines listed per series; the rest are counted.
    static let rawLineLimit = 20

    let warehouse: Warehouse

    func finding(_ id: Int64) throws -> String {
        guard let stored = try warehouse.anomalies().first(where: { $0.id == id }) else {
            throw RunFailure(.usage, "tradewatch: error: no finding with id \(id) (see `tradewatch query \"SELECT id, summary FROM anomalies\"`; for a case use --case)")
        }
        return try explain(stored)
    }

    func tradeCase(_ id: Int64) throws -> String {
        guard let stored = try warehouse.cases().first(where: { $0.id == id }) else {
            throw RunFailure(.usage, "tradewatch: error: no case with id \(id) (see `tradewatch query \"SELECT id, rank, summary FROM cases\"`)")
        }
        let c = stored.tradeCase
        let stakes = [c.tonnesAtStake.map { Self.number($0) + " t" }, c.usdAtStake.map { "$" + Self.number($0) }]
            .compactMap { $0 }
        var out = "Case \(stored.id), ranked \(c.rank), \(c.severity.rawValue) severity, confidence \(Self.number(c.confidence)), "
            + "category \(c.category.rawValue), \(c.periodStart) to \(c.periodEnd).\n"
            + "At stake: \(stakes.isEmpty ? "not stated" : stakes.joined(separator: " and ")).\n"
            + "\(c.summary)\n"
            + "It rests on \(stored.findingIDs.count) finding\(stored.findingIDs.count == 1 ? "" : "s").\n"
        let byID = Dictionary(try warehouse.anomalies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for id in stored.findingIDs {
            guard let finding = byID[id] else { continue }
            out += "\n" + (try explain(finding))
        }
        return out
    }

    private func explain(_ stored: StoredAnomaly) throws -> String {
        let a = stored.anomaly
        var out = "Finding \(stored.id): \(a.summary)\n"
            + "Detector \(a.detector), \(a.severity.rawValue) severity, score \(a.scoreText), "
            + "category \(a.category.rawValue), declared by \(a.declaredBy ?? "nobody named"), "
            + "period \(a.periodStart) to \(a.periodEnd).\n"
            + "Evidence:\n"
        out += Self.evidenceLines(a.evidence, key: "").map { "  \($0)\n" }.joined()
        let series = ExplainedSeries.series(for: a)
        if series.isEmpty { out += "No trade series to reproduce (the finding names no declarer).\n" }
        for s in series {
            out += "Series: \(s.label). Reproduce it with tradewatch query:\n  \(s.sql)\n"
            out += try rawLines(s)
        }
        return out
    }

    /// The raw files and lines of one series: the first `rawLineLimit`, and how many more.
    private func rawLines(_ s: ExplainedSeries) throws -> String {
        var count = 0
        try warehouse.query(s.countSQL, columns: { _ in }, row: { count = Int($0.first?.text ?? "") ?? 0 })
        guard count > 0 else { return "  No rows in trade match it.\n" }
        var out = "  Read from (\(s.rawSQL)):\n"
        try warehouse.query(s.rawSQL, columns: { _ in }, row: { out += "    \($0[0].text):\($0[1].text)\n" })
        if count > Self.rawLineLimit { out += "    … and \(count - Self.rawLineLimit) more\n" }
        return out
    }

    /// Evidence as `key: value` lines, nested keys joined with dots, values with the unit their key names.
    static func evidenceLines(_ value: JSONValue, key: String) -> [String] {
        switch value {
        case .object(let fields):
            return fields.keys.sorted().flatMap { evidenceLines(fields[$0]!, key: key.isEmpty ? $0 : "\(key).\($0)") }
        case .array(let items) where items.contains(where: { if case .object = $0 { return true }; return false }):
            return items.enumerated().flatMap { evidenceLines($1, key: "\(key)[\($0)]") }
        case .array(let items):
            return ["\(key): " + (items.isEmpty ? "none" : items.map { scalar($0, key: key) }.joined(separator: ", "))]
        default:
            return ["\(key): " + scalar(value, key: key)]
        }
    }

    private static func scalar(_ value: JSONValue, key: String) -> String {
        switch value {
        case .null: return "none"
        case .bool(let b): return b ? "yes" : "no"
        case .string(let s): return s
        case .number(let n): return withUnit(n, key: key)
        case .array, .object: return "\(value)"
        }
    }

    /// The unit a key declares: `_t` tonnes, `_usd` dollars, `_kg` kilograms, shares as percentages.
    static func withUnit(_ n: Double, key: String) -> String {
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        if leaf.hasSuffix("_t") { return number(n) + " t" }
        if leaf.hasSuffix("_usd") { return "$" + number(n) }
        if leaf.hasSuffix("_kg") { return number(n) + " kg" }
        if leaf.contains("share") { return number(n * 100) + " %" }
        return number(n)
    }

    /// A number as people read it: whole numbers without a fraction, others to three decimals.
    static func number(_ n: Double) -> String {
        guard n.isFinite else { return "\(n)" }
        if n == n.rounded() && abs(n) < 1e15 { return String(Int64(n)) }
        let rounded = (n * 1000).rounded() / 1000
        return rounded == 0 ? String(format: "%.3g", n) : "\(rounded)"
    }
}

extension Inspector {
    /// `tradewatch explain ID`: the finding `id` (anomalies.id) explained.
    public func explain(findingID id: Int64) throws -> String {
        try Explainer(warehouse: openReadOnly(command: "explain")).finding(id)
    }

    /// `tradewatch explain --case ID`: the case `id` (cases.id) and each of its findings explained.
    public func explain(caseID id: Int64) throws -> String {
        try Explainer(warehouse: openReadOnly(command: "explain")).tradeCase(id)
    }
}
