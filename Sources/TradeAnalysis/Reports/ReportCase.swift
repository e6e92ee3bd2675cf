import TradeCore

/// One event as a report shows it: a stored case (`cases.id`) and its findings, lead first.
public struct ReportCase: Sendable, Hashable {
    /// `cases.id`.
    public var id: Int64
    /// Rank, severity, confidence, parties, code, periods, what is at stake and the summary; its
    /// `findings` are positions in `findingIDs`.
    public var tradeCase: TradeCase
    /// `anomalies.id` of its findings, in the order the report shows them.
    public var findingIDs: [Int64]

    public init(id: Int64, tradeCase: TradeCase, findingIDs: [Int64]) {
        self.id = id
        self.tradeCase = tradeCase
        self.tradeCase.findings = Array(findingIDs.indices)
        self.findingIDs = findingIDs
    }

    /// A case's findings in the order the case builder tells its story: the finding whose summary
    /// leads the case's summary first, then the one that explains the others (a conduit before its
    /// legs, a control before its channels), more severe, more dollars at stake, then by id.
    public static func storyOrder(_ findings: [ReportFinding], caseSummary: String) -> [ReportFinding] {
        // The lead's summary starts the case's; the longest such summary is the lead.
        let lead = findings.filter { caseSummary.hasPrefix($0.anomaly.summary) }
            .max { ($0.anomaly.summary.count, -$0.id) < ($1.anomaly.summary.count, -$1.id) }?.id
        let keyed = findings.map { f in
            (finding: f, lead: f.id == lead ? 0 : 1, priority: CaseBuilder.leadPriority(f.anomaly.detector),
             usd: FindingFacts.stake(f.anomaly).usd ?? 0)
        }
        return keyed.sorted { x, y in
            if x.lead != y.lead { return x.lead < y.lead }
            if x.priority != y.priority { return x.priority < y.priority }
            if x.finding.anomaly.severity != y.finding.anomaly.severity {
                return x.finding.anomaly.severity > y.finding.anomaly.severity
            }
            if x.usd != y.usd { return x.usd > y.usd }
            return x.finding.id < y.finding.id
        }.map(\.finding)
    }
}

/// What a report shows, in order: the kept cases by rank, each with its kept findings, then the
/// kept findings that belong to no case.
public struct ReportLayout: Sendable, Hashable {
    public struct Case: Sendable, Hashable {
        public var reportCase: ReportCase
        /// Its findings the filter keeps, in the case's order (never empty).
        public var findings: [ReportFinding]

        /// `3`, or `2 of 3` when the filter hides some of the case's findings.
        public var countText: String {
            let all = reportCase.findingIDs.count
            return findings.count < all ? "\(findings.count) of \(all)" : "\(findings.count)"
        }
    }

    public var cases: [Case]
    /// Kept findings of no case, in report rank order (see `ReportFilter.rank`).
    public var loose: [ReportFinding]

    /// Every shown finding in the order shown: each case's, then the loose ones.
    public var findings: [ReportFinding] { cases.flatMap(\.findings) + loose }
}

extension ReportFilter {
    /// Keeps a case when any of its findings passes, with only the passing findings under it. A
    /// finding two cases claim is shown under the better-ranked one.
    public func layout(_ input: ReportInput) -> ReportLayout {
        let kept = apply(input.findings)
        let byID = Dictionary(kept.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var placed: Set<Int64> = []
        var cases: [ReportLayout.Case] = []
        for c in input.cases.sorted(by: { ($0.tradeCase.rank, $0.id) < ($1.tradeCase.rank, $1.id) }) {
            let members = c.findingIDs.compactMap { id in byID[id].flatMap { placed.insert(id).inserted ? $0 : nil } }
            if !members.isEmpty { cases.append(.init(reportCase: c, findings: members)) }
        }
        return ReportLayout(cases: cases, loose: kept.filter { !placed.contains($0.id) })
    }
}
