/// A detector finding (a row of the `anomalies` view, without its id and run).
public struct Anomaly: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
        case low, medium, high
        public static func < (a: Severity, b: Severity) -> Bool {
            let order: [Severity] = [.low, .medium, .high]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    /// What a finding is about: the trade itself, or the quality of the data that describe it.
    public enum Category: String, Sendable, Codable, CaseIterable {
        case trade
        case dataQuality = "data_quality"

        /// Detectors whose findings are about the data, not the trade.
        public static func of(detector: String) -> Category {
            detector == "source_conflict" ? .dataQuality : .trade
        }
    }

    /// `volume_spike`, `new_partner`, `mirror_gap`, `transshipment_conduit`, `unit_value_outlier`,
    /// `control_diversion`, `source_conflict`.
    public var detector: String
    public var category: Category
    /// Whose declaration the finding rests on (ISO3; `CHN+USA` when it compares two declarers).
    public var declaredBy: String?
    public var severity: Severity
    public var score: Double
    /// Exporting (origin) country for flow-based detectors.
    public var reporter: String?
    /// Importing (destination) country.
    public var partner: String?
    /// Conduit country for transshipment findings.
    public var via: String?
    public var hsCode: String?
    /// `YYYY-MM` or `YYYY`.
    public var periodStart: String
    public var periodEnd: String
    /// One plain sentence with the numbers.
    public var summary: String
    /// Baseline, observed, ratio, statistic, thresholds used, periods compared.
    public var evidence: JSONValue

    public init(detector: String, severity: Severity, score: Double, reporter: String?, partner: String?,
                via: String? = nil, hsCode: String?, periodStart: String, periodEnd: String,
                summary: String, evidence: JSONValue, declaredBy: String? = nil) {
        self.detector = detector
        self.category = Category.of(detector: detector)
        self.declaredBy = declaredBy
        self.severity = severity
        self.score = score
        self.reporter = reporter
        self.partner = partner
        self.via = via
        self.hsCode = hsCode
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.summary = summary
        self.evidence = evidence
    }
}
