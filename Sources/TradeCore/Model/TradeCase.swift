/// One event, as several findings may see it: a flow seen by its exporter and its importer, a
/// partner series and its world total, the legs of a conduit, a control and its channels (a row of
/// the `cases` view, without its id).
public struct TradeCase: Sendable, Hashable {
    /// 1 = most at stake.
    public var rank: Int
    /// The most severe of its findings.
    public var severity: Anomaly.Severity
    /// 0…1: how sure the case is (more when findings rest on both declarers or several detectors agree).
    public var confidence: Double
    public var category: Anomaly.Category
    public var reporter: String?
    public var partner: String?
    public var via: String?
    public var hsCode: String?
    public var periodStart: String
    public var periodEnd: String
    /// Tonnes and dollars in excess of expectation, or in the gap (nil when no finding measures them).
    public var tonnesAtStake: Double?
    public var usdAtStake: Double?
    public var summary: String
    /// Indices of its findings in the list the case was built from, most telling first.
    public var findings: [Int]

    public init(rank: Int, severity: Anomaly.Severity, confidence: Double, category: Anomaly.Category,
                reporter: String?, partner: String?, via: String?, hsCode: String?, periodStart: String,
                periodEnd: String, tonnesAtStake: Double?, usdAtStake: Double?, summary: String, findings: [Int]) {
        self.rank = rank
        self.severity = severity
        self.confidence = confidence
        self.category = category
        self.reporter = reporter
        self.partner = partner
        self.via = via
        self.hsCode = hsCode
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.tonnesAtStake = tonnesAtStake
        self.usdAtStake = usdAtStake
        self.summary = summary
        self.findings = findings
    }
}
