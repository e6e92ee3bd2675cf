import Foundation
import TradeCore
import TradeConfig
import TradeFetch
import TradeIngest
import TradeWarehouse

extension CommandRunner {
    /// `tradewatch fetch`: downloads what the sources with a `fetch:` block released since the last
    /// fetch into the raw directory, under the run lock, as a `fetch` run of the ledger. `dryRun`
    /// prints the calls instead, takes no lock and writes nothing.
    public func fetch(dryRun: Bool) throws -> CommandResult {
        let (sources, _) = try loadConfiguration()
        let fetched = try fetchSources(sources)
        if fetched.isEmpty {
            logger.warning("no source definition in \(options.pipelinesDirectory) has a fetch: block; nothing to fetch")
        }
        if dryRun {
            let warehouse = FileManager.default.fileExists(atPath: options.warehousePath)
                ? try Warehouse.openReadOnly(path: options.warehousePath) : nil
            let state = WarehouseFetchState(warehouse: warehouse, runID: nil)
            let planned = try fetched.flatMap { try fetcher(for: $0, state: state).plan().planned }
            let text = planned.map { $0 + "\n" }.joined()
            return CommandResult(status: .success, summary: "tradewatch: fetch --dry-run — \(planned.count) calls planned",
                                 document: Data(text.utf8), fields: ["planned": .array(planned.map { .string($0) })])
        }
        let lock = try lock()
        defer { lock.release() }
        let warehouse = try openWarehouse()
        let runID = try beginRun(warehouse, command: "fetch")
        let summary: FetchSummary
        do {
            summary = try fetchPipelineStage().run(FetchRequest(warehouse: warehouse, runID: runID, sources: sources))
        } catch {
            do {
                try warehouse.finishRun(runID, status: .failed, counts: RunCounts())
            } catch let ledger {
                logger.error("could not record the failed fetch in the ledger: \(ledger)")
            }
            throw error
        }
        try warehouse.finishRun(runID, status: summary.isComplete ? .succeeded : .partial, counts: RunCounts())
        var fields = summary.fields
        fields["command"] = .string("fetch")
        fields["run"] = .number(Double(runID))
        fields["ok"] = .bool(summary.isComplete)
        return CommandResult(status: summary.isComplete ? .success : .failure,
                             summary: "tradewatch: fetch \(runID) \(summary.isComplete ? "ok" : "FAILED") — \(summary.line)",
                             details: summary.failures.isEmpty ? nil : summary.failures.map { "  \($0)\n" }.joined(),
                             fields: fields)
    }

    /// The fetch stage of `run --fetch` (and `fetch`): each source with a `fetch:` block in turn.
    /// A source whose budget or tries ran out keeps what it fetched; its failures are in the summary.
    func fetchStage(warehouse: Warehouse, runID: Int64, sources: [SourceDefinition]) throws -> FetchSummary {
        var summary = FetchSummary()
        let state = WarehouseFetchState(warehouse: warehouse, runID: runID)
        for definition in try fetchSources(sources) {
            let outcome = try fetcher(for: definition, state: state).run()
            for file in outcome.files { logger.info("fetched", metadata: ["source": "\(definition.name)", "file": "\(file)"]) }
            for failure in outcome.failures { logger.error("fetch failed: \(failure)") }
            summary.outcomes.append(outcome)
        }
        return summary
    }

    /// The definitions to fetch (`--source` or every one with a `fetch:` block), checked: a source
    /// folder to write to, and file names its own `files:` patterns match.
    func fetchSources(_ sources: [SourceDefinition]) throws -> [SourceDefinition] {
        var chosen = sources.filter { $0.fetch != nil }
        if let name = options.fetchSource {
            chosen = chosen.filter { $0.name == name }
            guard !chosen.isEmpty else { throw RunFailure(.usage, "no source named \(name) has a fetch: block") }
        }
        for definition in chosen {
            guard let fetch = definition.fetch else { continue }
            guard let folder = definition.folder else {
                throw Diagnostic("fetch writes under the source's folder: the first files: pattern must start with one",
                                 at: definition.location(of: "files"), source: definition.name)
            }
            let patterns = definition.patterns.map(GlobPattern.init)
            for name in Self.sampleNames(fetch, folder: folder) where !patterns.contains(where: { $0.matches(name) }) {
                throw Diagnostic("fetch would write \(name), which no files: pattern of this source matches",
                                 at: fetch.location, source: definition.name)
            }
        }
        return chosen
    }

    static func sampleNames(_ fetch: FetchDefinition, folder: String) -> [String] {
        switch fetch.api {
        case .comtrade:
            return [ComtradeFetcher.fileName(folder: folder, fetch: fetch, reporter: fetch.reporters.first ?? "0",
                                             period: fetch.from.replacingOccurrences(of: "-", with: ""))]
        case .http:
            return fetch.urls.map { FileFetcher.fileName(folder: folder, url: $0) }
        }
    }

    /// The fetcher of one definition, with its own HTTP client, pace and budget.
    private func fetcher(for definition: SourceDefinition, state: any FetchState) throws -> any SourceFetcher {
        guard let fetch = definition.fetch, let folder = definition.folder else {
            throw RunFailure(.failure, "\(definition.name) has no fetch: block")
        }
        let raw = URL(fileURLWithPath: options.rawDirectory, isDirectory: true)
        let secret = Secret(fetch.keyEnvironment.flatMap { options.environment[$0] })
        let http = HTTPFetcher(source: definition.name, callsPerSecond: fetch.callsPerSecond,
                               dailyBudget: fetch.dailyCallBudget, followRedirects: fetch.api == .http,
                               policy: options.fetchPolicy, state: state, secret: secret)
        let target = FetchTarget(source: definition.name, fetch: fetch, folder: folder, rawDirectory: raw, http: http,
                                 state: state)
        switch fetch.api {
        case .comtrade:
            if !secret.isSet {
                logger.info("no key in \(fetch.keyEnvironment ?? "key_env"): \(definition.name) uses the public preview")
            }
            return ComtradeFetcher(target, secret: secret, policy: options.fetchPolicy)
        case .http:
            return FileFetcher(target)
        }
    }
}
