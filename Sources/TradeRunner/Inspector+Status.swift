import Foundation
import TradeCore
import TradeConfig
import TradeWarehouse

extension Inspector {
    /// Per-source staleness thresholds from the definitions (`options: stale_after_days: N`).
    func staleThresholds() -> (thresholds: [String: Int], problem: String?) {
        let (thresholds, _, problem) = definedSources()
        return (thresholds, problem)
    }

    /// Source names and staleness limits from the definitions; a broken definition is reported, not fatal.
    func definedSources() -> (thresholds: [String: Int], names: [String], problem: String?) {
        do {
            let sources = try PipelineLoader.loadSources(
                directory: URL(fileURLWithPath: pipelinesDirectory, isDirectory: true),
                displayDirectory: pipelinesDirectory)
            var thresholds: [String: Int] = [:]
            for source in sources {
                if let days = try source.intOption("stale_after_days", in: 1...36_500) { thresholds[source.name] = days }
            }
            return (thresholds, sources.map(\.name), nil)
        } catch {
            return ([:], [], "\(error)")
        }
    }

    /// `tradewatch status`: recent runs, per-source freshness and health, last run's file failures.
    /// Returns the text and whether everything is fresh and the last run succeeded.
    public func status() throws -> (text: String, healthy: Bool) {
        let status = try openReadOnly().status()
        let (thresholds, defined, problem) = definedSources()
        var healthy = true
        var out = "Warehouse \(warehousePath)\n\nRecent runs\n"
        let runRows: [[String?]] = status.runs.map { run in
            if run.id == status.runs.first?.id, run.status != RunStatus.succeeded.rawValue { healthy = false }
            return ["\(run.id)", run.command, run.startedAt, run.finishedAt ?? "—", run.status,
                    "\(run.counts.filesLoaded)", "\(run.counts.filesSkipped)", "\(run.counts.filesFailed)",
                    "\(run.counts.rowsLoaded)", "\(run.counts.rowsRejected)"]
        }
        out += TableRenderer.aligned(header: ["run", "command", "started", "finished", "status", "loaded",
                                              "unchanged", "failed", "rows", "rejected"], rows: runRows)
        out += "\nSources\n"
        let now = Date()
        var warnings: [String] = []
        let sourceRows: [[String?]] = status.sources.map { source in
            let limit = thresholds[source.source] ?? SourceHealth.defaultStaleAfterDays
            let health = SourceHealth(newestPeriod: source.newestPeriod, staleAfterDays: limit, now: now)
            if health.isStale {
                healthy = false
                warnings.append("warning: \(source.source) is stale: newest period \(source.newestPeriod ?? "?") is \(health.daysBehind ?? 0) days behind (limit \(limit) days; options.stale_after_days)")
            }
            return [source.source, "\(source.files)", "\(source.rows)", "\(source.rejectedRows)",
                    source.newestPeriod ?? "—", source.lastLoadedAt ?? "—",
                    health.isStale ? "STALE (\(health.daysBehind ?? 0) d)" : "ok"]
        }
        // Defined sources that have loaded nothing yet are listed too, so a silent source shows.
        let loaded = Set(status.sources.map(\.source))
        let idle: [[String?]] = defined.filter { !loaded.contains($0) }.sorted().map {
            [$0, "0", "0", "0", "—", "—", "no files yet"]
        }
        out += TableRenderer.aligned(header: ["source", "files", "rows", "rejected", "newest period",
                                              "last load", "freshness"], rows: sourceRows + idle)
        if !status.lastRunFailures.isEmpty {
            healthy = false
            out += "\nFiles the last run could not load\n"
            for failure in status.lastRunFailures { out += "  \(failure.message)\n" }
        }
        if let problem { warnings.append("warning: Pipelines/ has an error: \(problem)") }
        if !warnings.isEmpty { out += "\n" + warnings.joined(separator: "\n") + "\n" }
        out += "\n" + (healthy ? "healthy" : "attention needed") + "\n"
        return (out, healthy)
    }
}
