import Foundation

/// The reference tables a normalizer needs: countries (with every name and code
/// they go by), FX rates and commodity lines. Built once per run from `Pipelines/reference/`.
public struct ReferenceData: Sendable {
    public let countries: [Country]
    public let fxRates: [FXRate]
    public let commodities: [CommodityRow]
    public let exportControls: [ExportControl]
    public let concordance: [HSConcordance]

    private let byName: [String: String]
    private let byISO2: [String: String]
    private let byNumeric: [String: String]
    private let byComtrade: [String: String]
    private let iso3Set: Set<String>
    private let fx: [String: [Period: Double]]

    public init(countries: [Country], fxRates: [FXRate] = [], commodities: [CommodityRow] = [],
                exportControls: [ExportControl] = [], concordance: [HSConcordance] = []) {
        self.countries = countries
        self.concordance = concordance
        self.fxRates = fxRates
        self.commodities = commodities
        self.exportControls = exportControls
        var byName: [String: String] = [:]
        var byISO2: [String: String] = [:]
        var byNumeric: [String: String] = [:]
        var byComtrade: [String: String] = [:]
        for c in countries {
            for name in [c.nameEN, c.nameZH] + c.aliases where !name.isEmpty {
                byName[Self.key(name)] = c.iso3
            }
            byISO2[c.iso2.uppercased()] = c.iso3
            if let n = Int(c.isoNumeric) { byNumeric[String(n)] = c.iso3 }
            if let n = Int(c.comtradeCode) { byComtrade[String(n)] = c.iso3 }
        }
        self.byName = byName
        self.byISO2 = byISO2
        self.byNumeric = byNumeric
        self.byComtrade = byComtrade
        self.iso3Set = Set(countries.map(\.iso3))
        var fx: [String: [Period: Double]] = [:]
        for r in fxRates { fx[r.currency.uppercased(), default: [:]][r.period] = r.unitsPerUSD }
        self.fx = fx
    }

    static func key(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// ISO3 for a country name in English or Chinese, or an alias; nil if unknown.
    public func iso3(forName name: String) -> String? {
        let k = Self.key(name)
        if k == "world" || k == "世界" || k == "全球" { return "WLD" }
        return byName[k]
    }

    /// ISO3 for an ISO3 or ISO2 code.
    public func iso3(forCode code: String) -> String? {
        let c = code.trimmingCharacters(in: .whitespaces).uppercased()
        if c == "WLD" || c == "W00" { return "WLD" }
        if c.count == 3, iso3Set.contains(c) { return c }
        if c.count == 2 { return byISO2[c] }
        return nil
    }

    /// ISO3 for a UN Comtrade numeric code (falls back to ISO numeric); `0` is the world.
    public func iso3(forComtradeCode code: String) -> String? {
        guard let n = Int(code.trimmingCharacters(in: .whitespaces)) else { return nil }
        if n == 0 { return "WLD" }
        return byComtrade[String(n)] ?? byNumeric[String(n)]
    }

    /// Units of `currency` per US dollar in `period` (monthly rate, else the year's rate);
    /// `USD` is 1. nil when the table has no rate.
    public func unitsPerUSD(currency: String, period: Period) -> Double? {
        let cur = currency.uppercased()
        if cur == "USD" { return 1 }
        guard let table = fx[cur] else { return nil }
        return table[period] ?? table[Period(year: period.year)]
    }

    /// Reference rows for a national or HS code (exact match).
    public func commodity(code: String) -> CommodityRow? {
        commodities.first { $0.code == code }
    }
}
