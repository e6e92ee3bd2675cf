/// One normalized trade observation, ready to load (a row of the `trade` view).
public struct TradeRow: Sendable, Hashable {
    public var period: Period
    /// ISO3 of the declaring country.
    public var reporter: String
    /// ISO3 of the partner, `WLD` for the world total.
    public var partner: String
    public var flow: Flow
    /// Digits only, as declared (2, 4, 6 or 8–10 digits).
    public var hsCode: String
    /// HS edition (`H5`, `HS2017`, …) when the source says.
    public var hsEdition: String?
    public var quantityKg: Double?
    public var valueUSD: Double?
    public var valuation: Valuation
    /// The weight was estimated by the publisher (e.g. Comtrade `isNetWgtEstimated`).
    public var quantityEstimated: Bool
    /// 1-based line (or record number) in the raw file.
    public var rawLine: Int

    public init(period: Period, reporter: String, partner: String, flow: Flow, hsCode: String,
                hsEdition: String? = nil, quantityKg: Double?, valueUSD: Double?,
                valuation: Valuation = .unknown, quantityEstimated: Bool = false, rawLine: Int) {
        self.period = period
        self.reporter = reporter
        self.partner = partner
        self.flow = flow
        self.hsCode = hsCode
        self.hsEdition = hsEdition
        self.quantityKg = quantityKg
        self.valueUSD = valueUSD
        self.valuation = valuation
        self.quantityEstimated = quantityEstimated
        self.rawLine = rawLine
    }
}
