import Foundation
import Logging
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest

/// What `status --fail-on` can be asked to fail on.
public enum StatusAttention: String, Sendable, CaseIterable, Comparable {
    /// A source's newest period is older than its `stale_after_days`.
    case stale
    /// The last run did not succeed, or files could not be loaded.
    case failed
    /// A file in a source folder that no definition reads or ignores.
    case unclaimed
    /// Any of them.
    case any

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// `tradewatch status` as data: rendered as text or JSON.
public struct StatusReport: Sendable {
    public var text: String
    public var json: String
    /// The kinds of attention needed (empty: healthy).
    public var attention: Set<StatusAttention>
    public var healthy: Bool { attention.isEmpty }

    /// The exit status for `--fail-on`: 4 when a condition asked for holds.
    public func exitStatus(failOn: [StatusAttention]) -> ExitStatus {
        let hit = failOn.contains { $0 == .any ? !attention.isEmpty : attention.contains($0) }
        return hit ? .findings : .success
    }
}

extension Inspector {
    /// Per-source staleness thresholds from the definitions (`options: stale_after_days: N`).
    func staleThresholds() -> (thresholds: [String: Int], problem: String?) {
        let (thresholds, _, problem) = definedSources()
        return (thresholds, problem)
    }

    /// Source names and staleness limits from the definitions; a broken definition is reported, not fatal.
    func definedSources() -> (thresholds: [String: Int], names: [String], problem: String?) {
        do {
            let sources = try loadDefinitions()
            var thresholds: [String: Int] = [:]
            for source in sources {
                if let days = try source.intOption("stale_after_days", in: 1...36_500) { thresholds[source.name] = days }
            }
            return (thresholds, sources.map(\.name), nil)
        } catch {
            return ([:], [], "\(error)")
        }
    }

    func loadDefinitions() throws -> [SourceDefinition] {
        try SourceDefinitions.load(directory: pipelinesDirectory)
    }

    /// Files in source folders that no definition reads or ignores; nil (with why) when the raw
    /// directory or the definitions cannot be read.
    func unclaimedFiles() -> (files: [String], problem: String?) {
        do {
            let sources = try loadDefinitions()
            var logger = Logger(label: "tradewatch.status")
            logger.logLevel = .critical
            let pipeline = CommandRunner(options: RunOptions(warehousePath: warehousePath, rawDirectory: rawDirectory,
                                                        pipelinesDirectory: pipelinesDirectory), logger: logger)
            return (try pipeline.planFiles(sources).unclaimed, nil)
        } catch {
            return ([], "\(error)")
        }
    }

    /// `tradewatch status`: recent runs, per-source freshness and health, last run's file failures,
    /// files no definition reads. A missing warehouse or pipelines directory is a usage error.
    public func status(now: Date = Date()) throws -> StatusReport {
        try PathChecks.requirePipelines(pipelinesDirectory)
        let status = try openReadOnly(command: "status").status()
        let (thresholds, defined, problem) = definedSources()
        var attention = Set<StatusAttention>()
        if let last = status.runs.first, last.status != RunStatus.succeeded.rawValue { attention.insert(.failed) }
        if !status.lastRunFailures.isEmpty { attention.insert(.failed) }
        var warnings: [String] = []
        var sources: [(status: SourceStatus, limit: Int, health: SourceHealth)] = []
        for source in status.sources {
            let limit = thresholds[source.source] ?? SourceHealth.defaultStaleAfterDays
            let health = SourceHealth(newestPeriod: source.newestPeriod, staleAfterDays: limit, now: now)
            if health.isStale {
                attention.insert(.stale)
                warnings.append("warning: \(source.source) is stale: newest period \(source.newestPeriod ?? "?") is \(health.daysBehind ?? 0) days behind (limit \(limit) days; options.stale_after_days)")
            }
            sources.append((source, limit, health))
        }
        // Defined sources that have loaded nothing yet are listed too, so a silent source shows.
        let loaded = Set(status.sources.map(\.source))
        let idle = defined.filter { !loaded.contains($0) }.sorted()
        let (unclaimed, rawProblem) = unclaimedFiles()
        if !unclaimed.isEmpty { attention.insert(.unclaimed) }
        if let problem { warnings.append("warning: \(pipelinesDirectory)/ has an error: \(problem)") }
        if let rawProblem, problem == nil { warnings.append("warning: unclaimed files not checked: \(rawProblem)") }

        let text = statusText(status, sources: sources, idle: idle, unclaimed: unclaimed, warnings: warnings,
                              healthy: attention.isEmpty)
        var object: [String: JSONValue] = [
            "warehouse": .string(PathChecks.absolute(warehousePath)),
            "healthy": .bool(attention.isEmpty),
            "attention": .array(attention.sorted().map { .string($0.rawValue) }),
            "runs": .array(status.runs.map(Self.json)),
            "sources": .array(sources.map { Self.json($0.status, limit: $0.limit, health: $0.health) }
                + idle.map { .object(["source": .string($0), "files": .number(0), "rows": .number(0), "rejected_rows": .number(0),
                                      "newest_period": .null, "last_load": .null, "stale": .bool(false)]) }),
            "last_run_failures": .array(status.lastRunFailures.map {
                .object(["path": .string($0.path), "source": $0.source.map(JSONValue.string) ?? .null,
                         "message": .string($0.message)])
            }),
            "unclaimed_files": .array(unclaimed.map(JSONValue.string)),
            "warnings": .array(warnings.map(JSONValue.string)),
        ]
        if status.runs.isEmpty { object["runs"] = .array([]) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self) + "\n"
        return StatusReport(text: text, json: json, attention: attention)
    }

    private func statusText(_ status: WarehouseStatus, sources: [(status: SourceStatus, limit: Int, health: SourceHealth)],
                            idle: [String], unclaimed: [String], warnings: [String], healthy: Bool) -> String {
        var out = "Warehouse \(warehousePath)\n\nRecent runs\n"
        let runRows: [[String?]] = status.runs.map { run in
            ["\(run.id)", run.command, run.startedAt, run.finishedAt ?? "—", run.status,
             "\(run.counts.filesLoaded)", "\(run.counts.filesSkipped)", "\(run.counts.filesFailed)",
             "\(run.counts.rowsLoaded)", "\(run.counts.rowsRejected)"]
        }
        out += TableRenderer.aligned(header: ["run", "command", "started", "finished", "status", "loaded",
                                              "unchanged", "failed", "rows", "rejected"], rows: runRows)
        out += "\nSources\n"
        let sourceRows: [[String?]] = sources.map { source, _, health in
            [source.source, "\(source.files)", "\(source.rows)", "\(source.rejectedRows)",
             source.newestPeriod ?? "—", source.lastLoadedAt ?? "—",
             health.isStale ? "STALE (\(health.daysBehind ?? 0) d)" : "ok"]
        }
        let idleRows: [[String?]] = idle.map { [$0, "0", "0", "0", "—", "—", "no files yet"] }
        out += TableRenderer.aligned(header: ["source", "files", "rows", "rejected", "newest period",
                                              "last load", "freshness"], rows: sourceRows + idleRows)
        if !status.lastRunFailures.isEmpty {
            out += "\nFiles the last run could not load\n"
            for failure in status.lastRunFailures { out += "  \(failure.message)\n" }
        }
        if !unclaimed.isEmpty {
            out += "\nFiles no definition reads (warnings: add them to a definition's `files` or `ignore`)\n"
            for path in unclaimed { out += "  \(path)\n" }
        }
        if !warnings.isEmpty { out += "\n" + warnings.joined(separator: "\n") + "\n" }
        out += "\n" + (healthy ? "healthy" : "attention needed") + "\n"
        return out
    }

    private static func json(_ run: RunRecord) -> JSONValue {
        .object(["run": .number(Double(run.id)), "command": .string(run.command), "started": .string(run.startedAt),
                 "finished": run.finishedAt.map(JSONValue.string) ?? .null, "status": .string(run.status),
                 "files_loaded": .number(Double(run.counts.filesLoaded)),
                 "files_unchanged": .number(Double(run.counts.filesSkipped)),
                 "files_failed": .number(Double(run.counts.filesFailed)),
                 "rows_loaded": .number(Double(run.counts.rowsLoaded)),
                 "rows_rejected": .number(Double(run.counts.rowsRejected))])
    }

    private static func json(_ source: SourceStatus, limit: Int, health: SourceHealth) -> JSONValue {
        .object(["source": .string(source.source), "files": .number(Double(source.files)),
                 "rows": .number(Double(source.rows)), "rejected_rows": .number(Double(source.rejectedRows)),
                 "newest_period": source.newestPeriod.map(JSONValue.string) ?? .null,
                 "last_load": source.lastLoadedAt.map(JSONValue.string) ?? .null,
                 "stale": .bool(health.isStale), "stale_after_days": .number(Double(limit)),
                 "days_behind": health.daysBehind.map { .number(Double($0)) } ?? .null])
    }
}
