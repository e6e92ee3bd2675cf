/// One figure of a USGS-style production / reserves table (a row of `mineral_stats`).
public struct MineralStat: Sendable, Hashable {
    /// ISO3, `WLD` for world totals, `OTH` for "other countries".
    public var country: String
    public var year: Int
    /// `mine_production`, `reserves`, `us_imports`, `price_eu2o3_usd_per_kg`, …
    public var measure: String
    /// nil when the table says `NA` or leaves the cell empty (not available, not zero).
    public var value: Double?
    /// `t_REO`, `USD/kg`, `percent`, …
    public var unit: String
    public var estimated: Bool
    public var note: String?
    public var rawLine: Int

    public init(country: String, year: Int, measure: String, value: Double?, unit: String,
                estimated: Bool, note: String? = nil, rawLine: Int) {
        self.country = country
        self.year = year
        self.measure = measure
        self.value = value
        self.unit = unit
        self.estimated = estimated
        self.note = note
        self.rawLine = rawLine
    }
}
