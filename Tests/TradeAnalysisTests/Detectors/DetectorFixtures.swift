import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// Builders and fixture loading for detector tests. Fixture data deliberately use made-up
/// countries (X.. codes), other codes and other years than the shipped sample.
enum Fx {
    static func row(_ period: String, _ reporter: String, _ partner: String, _ flow: Flow = .export, _ code: String,
                    kg: Double?, usd: Double? = nil, valuation: Valuation = .unknown, estimated: Bool = false) throws -> TradeRow {
        TradeRow(period: try parsed(period, { Period($0) }, "period"), reporter: reporter, partner: partner, flow: flow, hsCode: code,
                 quantityKg: kg, valueUSD: usd ?? kg.map { $0 * 50 }, valuation: valuation,
                 quantityEstimated: estimated, rawLine: 0)
    }

    /// One row per month of `years` with `tonnes(year, month)` (zero months are left out, as in customs tables).
    static func monthly(_ reporter: String, _ partner: String, _ flow: Flow = .export, _ code: String, years: ClosedRange<Int>,
                        usdPerKg: Double = 50, valuation: Valuation = .unknown, tonnes: (Int, Int) -> Double) -> [TradeRow] {
        var rows: [TradeRow] = []
        for y in years {
            for m in 1...12 {
                let t = tonnes(y, m)
                guard t > 0 else { continue }
                rows.append(TradeRow(period: Period(year: y, month: m), reporter: reporter, partner: partner, flow: flow,
                                     hsCode: code, quantityKg: t * 1000, valueUSD: t * 1000 * usdPerKg, valuation: valuation, rawLine: 0))
            }
        }
        return rows
    }

    static func annual(_ reporter: String, _ partner: String, _ flow: Flow = .export, _ code: String,
                       _ tonnesByYear: [Int: Double], usdPerKg: Double = 50) -> [TradeRow] {
        tonnesByYear.keys.sorted().map { y in
            TradeRow(period: Period(year: y), reporter: reporter, partner: partner, flow: flow, hsCode: code,
                     quantityKg: tonnesByYear[y, default: 0] * 1000, valueUSD: tonnesByYear[y, default: 0] * 1000 * usdPerKg,
                     rawLine: 0)
        }
    }

    /// A steady background line so that the reporter "publishes" every month of `years`.
    static func background(_ reporter: String, years: ClosedRange<Int>) -> [TradeRow] {
        monthly(reporter, "XZZ", .export, "28461010", years: years) { _, _ in 30 }
    }

    /// Deterministic ±`amplitude` wiggle, so series are not unrealistically flat.
    static func wiggle(_ y: Int, _ m: Int, amplitude: Double = 0.08) -> Double {
        1 + amplitude * sin(Double(y * 12 + m) * 2.3)
    }

    static func fixtureURL(_ name: String) throws -> URL {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/detectors/\(name)")
        #expect(FileManager.default.fileExists(atPath: url.path), "missing fixture \(name)")
        return url
    }

    /// Splits one CSV line (double quotes may wrap fields containing commas).
    static func fields(_ line: Substring) -> [String] {
        var out: [String] = [], cur = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted { out.append(cur); cur = "" } else { cur.append(ch) }
        }
        out.append(cur)
        return out
    }

    /// Header-keyed records of a fixture CSV; `#` lines are comments.
    static func records(_ name: String) throws -> [[String: String]] {
        let text = try String(contentsOf: fixtureURL(name), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        guard let first = lines.first else { throw FixtureError("\(name): no header") }
        let header = fields(first)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, fields($0))) }
    }

    /// A fixture value, or an error naming what is missing or malformed (a bad fixture fails the
    /// tests that read it, not the run).
    static func parsed<T>(_ text: String?, _ parse: (String) -> T?, _ what: String) throws -> T {
        guard let text, let value = parse(text) else { throw FixtureError("\(what): \(text.map { "\"\($0)\"" } ?? "missing")") }
        return value
    }

    static func commodities() throws -> [CommodityRow] {
        try records("commodities.csv").enumerated().map { i, r in
            CommodityRow(code: try parsed(r["code"], { $0 }, "code"), level: try parsed(r["level"], { Int($0) }, "level"),
                         parent: nil, descriptionEN: try parsed(r["description_en"], { $0 }, "description_en"),
                         descriptionZH: nil, elements: try parsed(r["elements"], { $0 }, "elements").split(separator: "|").map(String.init),
                         nomenclature: "test", rawLine: i + 2)
        }
    }

    static func trade(_ name: String) throws -> [TradeRow] {
        try records(name).enumerated().map { i, r in
            func text(_ key: String) throws -> String { try parsed(r[key], { $0 }, "\(name):\(i + 2): \(key)") }
            return TradeRow(period: try parsed(r["period"], { Period($0) }, "\(name):\(i + 2): period"),
                            reporter: try text("reporter"), partner: try text("partner"),
                            flow: try parsed(r["flow"], { Flow(code: $0) }, "\(name):\(i + 2): flow"),
                            hsCode: try text("hs_code"), quantityKg: Double(try text("quantity_kg")),
                            valueUSD: Double(try text("value_usd")),
                            valuation: Valuation(rawValue: try text("valuation")) ?? .unknown,
                            quantityEstimated: r["estimated"] == "1", rawLine: i + 2)
        }
    }

    static func run(_ detector: any Detector, _ trade: [TradeRow], stats: [MineralStat] = [], controls: [ExportControl] = [],
                    countries: [Country] = [], settings: DetectorSettings = DetectorSettings()) throws -> [Anomaly] {
        let input = DetectionInput(trade: trade, mineralStats: stats, exportControls: controls,
                                   commodities: try commodities(), countries: countries)
        return detector.detect(input, settings: settings)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Every anomaly carries the evidence the issue asks for.
func expectWellFormed(_ anomalies: [Anomaly], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    for a in anomalies {
        guard case .object(let e) = a.evidence else {
            Issue.record("evidence is not an object: \(a.summary)", sourceLocation: sourceLocation); continue
        }
        for key in ["baseline", "observed", "ratio", "statistic", "thresholds", "periods_compared"] {
            #expect(e[key] != nil, "\(a.detector) evidence lacks \(key)", sourceLocation: sourceLocation)
        }
        #expect(a.summary.hasSuffix("."), sourceLocation: sourceLocation)
        #expect(!a.summary.contains("\n"), sourceLocation: sourceLocation)
        #expect(Period(a.periodStart) != nil && Period(a.periodEnd) != nil, "periods: \(a.periodStart) \(a.periodEnd)", sourceLocation: sourceLocation)
        #expect(a.score.isFinite, sourceLocation: sourceLocation)
    }
}
