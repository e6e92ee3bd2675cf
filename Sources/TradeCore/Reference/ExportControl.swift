/// An export-control regime (`Pipelines/reference/export_controls.csv`).
public struct ExportControl: Sendable, Hashable, Codable {
    public var regime: String
    public var issuer: String
    /// ISO dates `YYYY-MM-DD`.
    public var announced: String
    public var effective: String
    public var suspendedFrom: String?
    public var suspendedUntil: String?
    /// Element symbols covered; `["*"]` for all rare earths.
    public var elements: [String]
    public var scope: String

    public init(regime: String, issuer: String, announced: String, effective: String,
                suspendedFrom: String?, suspendedUntil: String?, elements: [String], scope: String) {
        self.regime = regime
        self.issuer = issuer
        self.announced = announced
        self.effective = effective
        self.suspendedFrom = suspendedFrom
        self.suspendedUntil = suspendedUntil
        self.elements = elements
        self.scope = scope
    }

    /// The month the regime took effect.
    public var effectivePeriod: Period? { Period(String(effective.prefix(7))) }
}

/// A currency conversion rate: `unitsPerUSD` units of `currency` buy one US dollar in `period`.
public struct FXRate: Sendable, Hashable {
    public var currency: String
    public var period: Period
    public var unitsPerUSD: Double

    public init(currency: String, period: Period, unitsPerUSD: Double) {
        self.currency = currency
        self.period = period
        self.unitsPerUSD = unitsPerUSD
    }
}
