import TradeCore

/// Which findings a report shows: recent enough, severe enough, from the chosen detectors.
public struct ReportFilter: Sendable, Hashable {
    /// Keep findings whose flagged span reaches this period or later (an annual period counts to its December).
    public var since: Period?
    public var minSeverity: Anomaly.Severity
    /// Detector names to keep; nil keeps every detector.
    public var detectors: Set<String>?

    public init(since: Period? = nil, minSeverity: Anomaly.Severity = .low, detectors: Set<String>? = nil) {
        self.since = since
        self.minSeverity = minSeverity
        self.detectors = detectors
    }

    /// Shows everything.
    public static let all = ReportFilter()

    /// True when no criterion narrows the findings.
    public var isUnrestricted: Bool { since == nil && minSeverity == .low && detectors == nil }

    public func includes(_ anomaly: Anomaly) -> Bool {
        guard anomaly.severity >= minSeverity else { return false }
        if let detectors, !detectors.contains(anomaly.detector) { return false }
        if let since {
            // A finding whose end period cannot be parsed is kept: hiding it would be silent.
            guard let end = Period(anomaly.periodEnd) ?? Period(anomaly.periodStart) else { return true }
            let lastMonth = Period(year: end.year, month: end.month ?? 12)
            let firstMonth = Period(year: since.year, month: since.month ?? 1)
            return lastMonth >= firstMonth
        }
        return true
    }

    /// The kept findings, most severe first, then by descending relative score, then by id.
    public func apply(_ findings: [ReportFinding]) -> [ReportFinding] {
        findings.filter { includes($0.anomaly) }.sorted(by: ReportFilter.rank)
    }

    /// Report order: severity, then score relative to the detector's high cut-off (higher
    /// first; raw scores of different detectors are not comparable), then id.
    public static func rank(_ a: ReportFinding, _ b: ReportFinding) -> Bool {
        if a.anomaly.severity != b.anomaly.severity { return a.anomaly.severity > b.anomaly.severity }
        let sa = a.anomaly.relativeScore, sb = b.anomaly.relativeScore
        if sa != sb { return sa > sb }
        return a.id < b.id
    }
}
