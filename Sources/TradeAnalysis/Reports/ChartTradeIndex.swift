import Foundation
import TradeCore

/// Trade rows indexed for `ChartBuilder`, built once per report rather than once per finding: by
/// declaration (declarer and flow), by exact code (a unit value's peers), and which periods each
/// source published anything for a declaration (which tells a reported zero from a gap).
public struct ChartTradeIndex: Sendable {
    struct Declaration: Hashable {
        var declarer: String
        var flow: Flow
    }

    private struct Published: Hashable {
        var source: String
        var declaration: Declaration
        var period: Period
    }

    let rows: [TradeRow]
    /// Per row, the source it came from (`""` when the caller gave none).
    let sources: [String]
    private var byDeclaration: [Declaration: [Int]] = [:]
    private var byCode: [String: [Int]] = [:]
    private var published: Set<Published> = []

    /// `sources[i]` is the source of `rows[i]`; nil: one unnamed source.
    public init(rows: [TradeRow], sources: [String]? = nil) {
        self.rows = rows
        self.sources = sources ?? Array(repeating: "", count: rows.count)
        for (i, row) in rows.enumerated() {
            let declaration = Declaration(declarer: row.reporter, flow: row.flow)
            byDeclaration[declaration, default: []].append(i)
            byCode[row.hsCode, default: []].append(i)
            published.insert(Published(source: self.sources[i], declaration: declaration, period: row.period))
            if row.period.month != nil {
                published.insert(Published(source: self.sources[i], declaration: declaration, period: Period(year: row.period.year)))
            }
        }
    }

    /// Whether `source` published anything for the declaration in `period` (for a year: in any of its months).
    func published(_ source: String, _ declarer: String, _ flow: Flow, _ period: Period) -> Bool {
        published.contains(Published(source: source, declaration: Declaration(declarer: declarer, flow: flow), period: period))
    }

    /// Positions of the declaration's rows.
    func positions(_ declarer: String, _ flow: Flow) -> [Int] {
        byDeclaration[Declaration(declarer: declarer, flow: flow)] ?? []
    }

    /// Positions of the rows declared at exactly `code`.
    func positions(code: String) -> [Int] {
        byCode[code] ?? []
    }
}

/// Summed figures of some trade rows: kilograms, dollars, and the dollars of the rows that carry a
/// weight (a unit value divides only those).
struct ChartSum: Sendable {
    var kg = 0.0
    var usd = 0.0
    var weighedUSD = 0.0
    var weighedKg = 0.0
    var hasKg = false
    var hasUSD = false

    mutating func add(_ row: TradeRow) {
        if let kg = row.quantityKg, kg.isFinite {
            self.kg += kg
            hasKg = true
        }
        if let usd = row.valueUSD, usd.isFinite {
            self.usd += usd
            hasUSD = true
            if let kg = row.quantityKg, kg.isFinite, kg > 0 {
                weighedUSD += usd
                weighedKg += kg
            }
        }
    }

    /// The point value of `measure` (only the plain measures; shares and 12-month sums are derived).
    func value(_ measure: ChartQuery.Measure) -> Double? {
        switch measure {
        case .tonnes, .tonnes12: return hasKg ? kg / 1000 : nil
        case .usd, .usd12: return hasUSD ? usd : nil
        case .usdPerKg: return weighedKg > 0 ? weighedUSD / weighedKg : nil
        case .share: return nil
        }
    }
}
