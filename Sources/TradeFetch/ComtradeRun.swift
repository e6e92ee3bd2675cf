import Foundation

/// The data calls of one Comtrade fetch: each query asked (and split while its answer reaches the
/// cap), its records gathered per period, and each period whose every call succeeded written as
/// one file. Once the budget is spent no further call is made; what was complete is kept.
struct ComtradeRun {
    let fetcher: ComtradeFetcher
    /// The budget ran out: every later query is reported as not called.
    private(set) var stopped = false

    init(fetcher: ComtradeFetcher) {
        self.fetcher = fetcher
    }

    /// The answers of one query: records per period, periods left incomplete, and the calls made.
    struct Gathered {
        var records: [String: [ComtradeResponse.Record]] = [:]
        var failed: Set<String> = []
        /// Each call with the periods it covered (its files are known once written).
        var calls: [(FetchCall, [String])] = []
    }

    mutating func fetchChunk(_ query: ComtradeQuery, releases: [ReporterPeriod: String],
                             outcome: inout FetchOutcome) throws {
        var gathered = Gathered()
        collect(query, into: &gathered, outcome: &outcome)
        var written: [String: String] = [:]
        for period in query.periods where !gathered.failed.contains(period) {
            let records = gathered.records[period] ?? []
            let key = ReporterPeriod(reporter: query.reporter, period: period)
            // The preview cannot tell "not released yet" from "nothing traded": an empty answer is
            // asked again next time rather than remembered.
            if !fetcher.secret.isSet && records.isEmpty { continue }
            let name = ComtradeFetcher.fileName(folder: fetcher.target.folder, fetch: fetcher.target.fetch, reporter: query.reporter,
                                                period: period)
            do {
                try AtomicFile.write(Self.document(records), to: fetcher.target.rawDirectory.appendingPathComponent(name))
            } catch let failure as FetchFailure {
                outcome.failures.append("\(fetcher.target.source): \(failure)")
                continue
            }
            written[period] = name
            outcome.files.append(name)
            try fetcher.target.state.recordRelease(source: fetcher.target.source, key, lastReleased: releases[key] ?? "")
        }
        for (var call, periods) in gathered.calls {
            call.files = periods.compactMap { written[$0] }
            if !call.files.isEmpty {
                call.lastReleased = periods.compactMap { releases[ReporterPeriod(reporter: query.reporter, period: $0)] }.max()
            }
            try fetcher.target.state.record(call)
        }
    }

    /// Asks `query`, splitting it while its answer reaches the cap.
    private mutating func collect(_ query: ComtradeQuery, into gathered: inout Gathered, outcome: inout FetchOutcome) {
        let url = query.url(fetcher.target.fetch, keyed: fetcher.secret.isSet)
        var call = FetchCall(source: fetcher.target.source, url: url.absoluteString)
        func fail(_ failure: FetchFailure, _ gathered: inout Gathered, _ outcome: inout FetchOutcome) {
            call.note(failure)
            call.error = fetcher.secret.redact(failure.description)
            gathered.failed.formUnion(query.periods)
            gathered.calls.append((call, []))
            outcome.failures.append("\(fetcher.target.source): \(url.absoluteString): \(call.error ?? "")")
        }
        guard !stopped else {
            return fail(.budgetSpent(budget: fetcher.target.fetch.dailyCallBudget), &gathered, &outcome)
        }
        let answer: ComtradeResponse
        do {
            let response = try fetcher.target.http.get(url, headers: fetcher.keyHeaders)
            call.httpStatus = response.status
            call.tries = response.tries
            outcome.tries += response.tries
            guard response.status == 200 else {
                throw FetchFailure.refused(status: response.status, message: fetcher.secret.redact(
                    HTTPFetcher.message(in: response.body) ?? "the API refused the call"))
            }
            answer = try ComtradeResponse(body: response.body)
        } catch let failure as FetchFailure {
            if failure.stopsSource { stopped = true }
            return fail(failure, &gathered, &outcome)
        } catch {
            return fail(.invalidResponse("\(error)"), &gathered, &outcome)
        }
        call.records = answer.count
        if answer.count >= fetcher.cap {
            guard let narrower = query.splits() else {
                return fail(.invalidResponse("\(answer.count) records reach the cap of \(fetcher.cap) and the call "
                                             + "cannot be split further (one period, flow and partner)"), &gathered, &outcome)
            }
            gathered.calls.append((call, []))
            for sub in narrower { collect(sub, into: &gathered, outcome: &outcome) }
            return
        }
        if let stray = answer.records.first(where: { $0.period.map { !query.periods.contains($0) } ?? true }) {
            return fail(.invalidResponse("a record's period \(stray.period ?? "(none)") is not one asked for"),
                        &gathered, &outcome)
        }
        for record in answer.records { gathered.records[record.period ?? "", default: []].append(record) }
        gathered.calls.append((call, query.periods))
    }

    /// A reporter-period's file: `{"count": N, "data": [...]}` with each record as the API sent it,
    /// one to a line.
    static func document(_ records: [ComtradeResponse.Record]) -> Data {
        var out = Data("{\"count\": \(records.count), \"data\": [\n".utf8)
        for (index, record) in records.enumerated() {
            out.append(contentsOf: record.bytes)
            out.append(contentsOf: Array((index + 1 < records.count ? ",\n" : "\n").utf8))
        }
        out.append(contentsOf: Array("]}\n".utf8))
        return out
    }
}
