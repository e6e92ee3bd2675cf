import TradeFetch
import TradeWarehouse

/// A fetch's memory kept in the warehouse: the budget, releases and validators in their tables, each
/// call a row of `fetch_call` (the `fetches` view) under the run that made it. Without a warehouse
/// (a dry run before the first run) nothing was fetched before.
final class WarehouseFetchState: FetchState, @unchecked Sendable {
    let warehouse: Warehouse?
    let runID: Int64?

    init(warehouse: Warehouse?, runID: Int64?) {
        self.warehouse = warehouse
        self.runID = runID
    }

    func callsMade(source: String, day: String) throws -> Int {
        try warehouse?.fetchCalls(source: source, day: day) ?? 0
    }

    func countCall(source: String, day: String) throws -> Int {
        guard let warehouse else { return 0 }
        return try warehouse.countFetchCall(source: source, day: day)
    }

    func record(_ call: FetchCall) throws {
        guard let warehouse, let runID else { return }
        try warehouse.recordFetchCall(FetchCallRecord(
            runID: runID, source: call.source, url: call.url, httpStatus: call.httpStatus, records: call.records,
            file: call.files.isEmpty ? nil : call.files.joined(separator: ", "), lastReleased: call.lastReleased,
            error: call.error, tries: call.tries))
    }

    func releases(source: String) throws -> [ReporterPeriod: String] {
        guard let warehouse else { return [:] }
        var out: [ReporterPeriod: String] = [:]
        for (key, released) in try warehouse.fetchedReleases(source: source) {
            out[ReporterPeriod(reporter: key.reporter, period: key.period)] = released
        }
        return out
    }

    func recordRelease(source: String, _ key: ReporterPeriod, lastReleased: String) throws {
        try warehouse?.recordRelease(source: source, key: FetchReleaseKey(reporter: key.reporter, period: key.period),
                                     lastReleased: lastReleased)
    }

    func validators(source: String, url: String) throws -> HTTPValidators? {
        try warehouse?.fetchValidators(source: source, url: url).map {
            HTTPValidators(etag: $0.etag, lastModified: $0.lastModified)
        }
    }

    func storeValidators(source: String, url: String, _ validators: HTTPValidators) throws {
        try warehouse?.storeFetchValidators(source: source, url: url,
                                            FetchValidators(etag: validators.etag, lastModified: validators.lastModified))
    }
}
