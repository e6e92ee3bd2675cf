import Foundation
import TradeCore

/// Number formatting and evidence helpers shared by the detectors, so every summary reads alike.
enum AnomalyText {
    /// Tonnes with one decimal: `150.2 t`.
    static func tonnes(_ t: Double) -> String { String(format: "%.1f t", t) }

    /// An integer percentage of a fraction: `0.712` → `71 %`.
    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded())) %" }

    /// A signed integer percentage change: `+43 %`, `−75 %`.
    static func change(_ fraction: Double) -> String {
        let p = Int((fraction * 100).rounded())
        return p >= 0 ? "+\(p) %" : "−\(-p) %"
    }

    /// US dollars, compact: `$12.3 M`, `$350 k`, `$900`.
    static func usd(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return String(format: "$%.2f bn", v / 1e9) }
        if a >= 1e6 { return String(format: "$%.1f M", v / 1e6) }
        if a >= 1e4 { return String(format: "$%.0f k", v / 1e3) }
        return String(format: "$%.0f", v)
    }

    /// Unit value, `$25.40/kg`.
    static func unitValue(_ v: Double) -> String { String(format: "$%.2f/kg", v) }

    static func number(_ v: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", v) }

    /// "2019–2023" or "2021" for a span of years.
    static func years(_ from: Int, _ to: Int) -> String { from == to ? "\(from)" : "\(from)–\(to)" }

    /// "2024-03–2024-08" or one period.
    static func span(_ from: String, _ to: String) -> String { from == to ? from : "\(from)–\(to)" }

    static func period(monthIndex: Int) -> String { Period(monthIndex: monthIndex).description }

    /// A JSON number rounded to 6 significant digits, so evidence does not carry float noise.
    static func json(_ v: Double) -> JSONValue {
        guard v.isFinite else { return .null }
        if v == 0 { return .number(0) }
        let digits = 6 - Int(floor(log10(abs(v)))) - 1
        let f = pow(10.0, Double(max(min(digits, 12), -12)))
        return .number((v * f).rounded() / f)
    }

    /// Severity from a score by two cut-offs (medium, high); anything that fired is at least low.
    static func severity(_ score: Double, medium: Double, high: Double) -> Anomaly.Severity {
        score >= high ? .high : score >= medium ? .medium : .low
    }

    /// "exports"/"imports"/… as a noun for a flow.
    static func noun(_ flow: Flow) -> String {
        switch flow {
        case .export: "exports"
        case .import: "imports"
        case .reExport: "re-exports"
        case .reImport: "re-imports"
        }
    }

    /// Exporter → importer orientation of a declared flow (docs/ARCHITECTURE.md, `anomalies`):
    /// imports are turned around.
    static func orient(declarer: String, partner: String, flow: Flow) -> (exporter: String, importer: String) {
        switch flow {
        case .export, .reExport: (declarer, partner)
        case .import, .reImport: (partner, declarer)
        }
    }
}
