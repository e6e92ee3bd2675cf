import Foundation
import TradeCore

/// Trade rows indexed for `ChartBuilder`, built once per report rather than once per finding: by
/// declaration (declarer and flow), declared code and partner; by exact code (a unit value's
/// peers); and which periods each source published anything for a declaration (which tells a
/// reported zero from a gap). A finding's chart then touches only the rows of its codes.
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

    /// The rows of one declaration at one declared code: which sources gave them, and by partner.
    struct CodeRows: Sendable {
        var sources: Set<String> = []
        var counts: [String: Int] = [:]
        var all: [Int] = []
        var byPartner: [String: [Int]] = [:]
    }

    private struct SourceDeclaration: Hashable {
        var source: String
        var declaration: Declaration
    }

    let rows: [TradeRow]
    /// Per row, the source it came from (`""` when the caller gave none).
    let sources: [String]
    private var byCode: [String: [Int]] = [:]
    private var codesByDeclaration: [Declaration: [String: CodeRows]] = [:]
    private var published: Set<Published> = []
    private var firstAndLast: [SourceDeclaration: (first: Period, last: Period)] = [:]

    /// `sources[i]` is the source of `rows[i]`; nil: one unnamed source.
    public init(rows: [TradeRow], sources: [String]? = nil) {
        self.rows = rows
        self.sources = sources ?? Array(repeating: "", count: rows.count)
        for (i, row) in rows.enumerated() {
            let source = self.sources[i]
            let declaration = Declaration(declarer: row.reporter, flow: row.flow)
            byCode[row.hsCode, default: []].append(i)
            var entry = codesByDeclaration[declaration, default: [:]][row.hsCode, default: CodeRows()]
            entry.sources.insert(source)
            entry.counts[source, default: 0] += 1
            entry.all.append(i)
            entry.byPartner[row.partner, default: []].append(i)
            codesByDeclaration[declaration, default: [:]][row.hsCode] = entry
            published.insert(Published(source: source, declaration: declaration, period: row.period))
            if row.period.month != nil {
                published.insert(Published(source: source, declaration: declaration, period: Period(year: row.period.year)))
            }
            let key = SourceDeclaration(source: source, declaration: declaration)
            let span = firstAndLast[key]
            firstAndLast[key] = (min(span?.first ?? row.period, row.period), max(span?.last ?? row.period, row.period))
        }
    }

    /// Whether `source` published anything for the declaration in `period` (for a year: in any of its months).
    func published(_ source: String, _ declarer: String, _ flow: Flow, _ period: Period) -> Bool {
        published.contains(Published(source: source, declaration: Declaration(declarer: declarer, flow: flow), period: period))
    }

    /// The first and last period `source` published anything for the declaration.
    func span(_ source: String, _ declarer: String, _ flow: Flow) -> (first: Period, last: Period)? {
        firstAndLast[SourceDeclaration(source: source, declaration: Declaration(declarer: declarer, flow: flow))]
    }

    /// The declaration's rows by declared code.
    func codes(_ declarer: String, _ flow: Flow) -> [String: CodeRows] {
        codesByDeclaration[Declaration(declarer: declarer, flow: flow)] ?? [:]
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
