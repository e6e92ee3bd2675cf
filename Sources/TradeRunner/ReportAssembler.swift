import Foundation
import TradeCore
import TradeWarehouse
import TradeAnalysis

/// How a run that is still open in the ledger ends: its report shows this, and the ledger
/// records it once the report is written.
struct RunEnding {
    var status: RunStatus
    var counts: RunCounts
}

/// Gathers what a report shows from the warehouse: the run, per-source health, the cases and
/// every finding with the trade series that explain it.
struct ReportAssembler {
    let warehouse: Warehouse
    /// Days after the end of a monthly source's newest period before it counts as stale, per source.
    var staleAfterDays: [String: Int] = [:]
    var defaultStaleAfterDays = SourceHealth.defaultStaleAfterDays

    func input(runID: Int64, filter: ReportFilter, ending: RunEnding? = nil) throws -> ReportInput {
        let status = try warehouse.status()
        let run = status.runs.first { $0.id == runID } ?? status.runs.first
        let counts = ending?.counts ?? run?.counts ?? RunCounts()
        let summary = RunSummary(
            runID: runID,
            startedAt: run.flatMap { SourceHealth.date($0.startedAt) } ?? Date(),
            finishedAt: ending == nil ? run?.finishedAt.flatMap { SourceHealth.date($0) } : Date(),
            status: ending?.status.rawValue ?? run?.status ?? "unknown",
            filesLoaded: counts.filesLoaded, filesSkipped: counts.filesSkipped,
            filesFailed: counts.filesFailed, rowsLoaded: counts.rowsLoaded,
            rowsRejected: counts.rowsRejected, detectorVersion: DetectorSuite.version,
            unjudged: try warehouse.latestUnjudged())
        let now = Date()
        let sources = status.sources.map { source in
            let health = SourceHealth(newestPeriod: source.newestPeriod,
                                      staleAfterDays: staleAfterDays[source.source] ?? defaultStaleAfterDays, now: now)
            return SourceSummary(name: source.source, files: source.files, rows: source.rows,
                                 rejected: source.rejectedRows, newestPeriod: source.newestPeriod.flatMap { Period($0) },
                                 lastLoad: source.lastLoadedAt.flatMap { SourceHealth.date($0) },
                                 stale: health.isStale, daysBehind: health.daysBehind)
        }
        let stored = try warehouse.anomalies().filter { filter.includes($0.anomaly) }
        let trade = try chartIndex(for: stored.map(\.anomaly))
        let findings = stored.map { item in
            ReportFinding(id: item.id, anomaly: item.anomaly, chart: ChartBuilder.chart(for: item.anomaly, index: trade))
        }
        return ReportInput(run: summary, sources: sources, findings: findings,
                           cases: try cases(of: findings))
    }

    /// The rows the findings' charts are read from, indexed once for all of them: everything the
    /// findings' countries declared (every code and partner of theirs, which tells a reported zero
    /// from a gap), plus every declaration of the codes whose unit values were flagged (the peers).
    private func chartIndex(for anomalies: [Anomaly]) throws -> ChartTradeIndex {
        guard !anomalies.isEmpty else { return ChartTradeIndex(rows: []) }
        let declarers = anomalies.reduce(into: Set<String>()) {
            $0.formUnion([$1.reporter, $1.partner, $1.via].compactMap { $0 })
        }
        let own = try warehouse.currentSourcedTrade(TradeFilter(reporters: declarers))
        var rows = own.map(\.row), sources = own.map(\.source)
        // The peers of every flagged code in one pass over the current rows (not one scan per code).
        let peerCodes = Set(anomalies.filter { $0.detector == "unit_value_outlier" }.compactMap(\.hsCode))
        if !peerCodes.isEmpty {
            try warehouse.forEachCurrentTradeRow { row, source in
                guard peerCodes.contains(row.hsCode), !declarers.contains(row.reporter) else { return }
                rows.append(row)
                sources.append(source)
            }
        }
        return ChartTradeIndex(rows: rows, sources: sources)
    }

    /// Every stored case, its findings in the order the case tells its story (those the filter left
    /// out of `findings` last: the report counts them but shows only the others).
    private func cases(of findings: [ReportFinding]) throws -> [ReportCase] {
        let byID = Dictionary(findings.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return try warehouse.cases().map { c in
            let members = ReportCase.storyOrder(c.findingIDs.compactMap { byID[$0] }, caseSummary: c.tradeCase.summary)
            let hidden = c.findingIDs.filter { byID[$0] == nil }
            return ReportCase(id: c.id, tradeCase: c.tradeCase, findingIDs: members.map(\.id) + hidden)
        }
    }
}

/// Is a source fresh? A monthly source is stale when the end of its newest month lies
/// more than N days in the past (publishers need a few weeks, so N defaults to 75).
struct SourceHealth {
    static let defaultStaleAfterDays = 75
    var daysBehind: Int?
    var isStale: Bool

    init(newestPeriod: String?, staleAfterDays: Int, now: Date) {
        guard let text = newestPeriod, let period = Period(text), let month = period.month else {
            daysBehind = nil
            isStale = false
            return
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let next = period.adding(months: 1)
        let endOfMonth = calendar.date(from: DateComponents(year: next.year, month: next.month ?? month, day: 1)) ?? now
        let days = calendar.dateComponents([.day], from: endOfMonth, to: now).day ?? 0
        daysBehind = max(0, days)
        isStale = days > staleAfterDays
    }

    static func date(_ iso: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: iso) ?? ISO8601DateFormatter().date(from: iso)
    }
}
