import Foundation
import TradeConfig

/// Fetches one Comtrade source: with a key, asks availability (`getDa`) first and fetches only the
/// reporter-periods released since the last fetch; without one, the preview for periods not yet
/// fetched. Each reporter-period becomes one file, written whole; an answer at the cap is split.
public struct ComtradeFetcher {
    let target: FetchTarget
    let secret: Secret
    let policy: FetchPolicy

    /// Records an answer may hold before it counts as cut off: the preview's 500, the keyed API's 100,000.
    var cap: Int { secret.isSet ? 100_000 : 500 }

    public init(_ target: FetchTarget, secret: Secret, policy: FetchPolicy) {
        self.target = target
        self.secret = secret
        self.policy = policy
    }

    var keyHeaders: [(String, String)] {
        secret.value.map { [("Ocp-Apim-Subscription-Key", $0)] } ?? []
    }

    /// The deterministic file of a reporter-period, relative to the raw directory.
    public static func fileName(folder: String, fetch: FetchDefinition, reporter: String, period: String) -> String {
        "\(folder)/\(reporter)-\(fetch.frequency)-\(period)-\(fetch.commodities.joined(separator: "_")).json"
    }

    /// Fetches what is new and writes it; every call is logged through `state`.
    public func run() throws -> FetchOutcome {
        var outcome = FetchOutcome(source: target.source)
        guard let wanted = try releasedSinceLastFetch(&outcome) else { return outcome }
        var run = ComtradeRun(fetcher: self)
        for query in Self.queries(for: wanted, fetch: target.fetch) {
            try run.fetchChunk(query, releases: wanted, outcome: &outcome)
        }
        return outcome
    }

    /// The calls a fetch would make, as `GET url` lines, without making any. With a key the data
    /// calls depend on the availability answer; they are listed for every period not yet fetched.
    public func plan() throws -> FetchOutcome {
        var outcome = FetchOutcome(source: target.source)
        let stored = try target.state.releases(source: target.source)
        if secret.isSet {
            outcome.planned.append("GET \(ComtradeQuery.availabilityURL(target.fetch).absoluteString)  (availability)")
        }
        var wanted: [ReporterPeriod: String] = [:]
        for key in candidates() where stored[key] == nil { wanted[key] = "" }
        for query in Self.queries(for: wanted, fetch: target.fetch) {
            outcome.planned.append("GET \(query.url(target.fetch, keyed: secret.isSet).absoluteString)")
        }
        return outcome
    }

    /// Every reporter-period from `from` to the last complete period.
    func candidates() -> [ReporterPeriod] {
        let periods = ComtradeQuery.periods(from: ComtradeQuery.apiPeriod(target.fetch.from), frequency: target.fetch.frequency,
                                            now: policy.now())
        return target.fetch.reporters.flatMap { reporter in periods.map { ReporterPeriod(reporter: reporter, period: $0) } }
    }

    /// The reporter-periods to fetch, each with the `lastReleased` to remember once it is written;
    /// nil when availability could not be read (the failure is in `outcome`).
    func releasedSinceLastFetch(_ outcome: inout FetchOutcome) throws -> [ReporterPeriod: String]? {
        let stored = try target.state.releases(source: target.source)
        guard secret.isSet else {
            // The preview has no availability: each period is fetched until it has records.
            var wanted: [ReporterPeriod: String] = [:]
            let stamp = ISO8601DateFormatter().string(from: policy.now())
            for key in candidates() where stored[key] == nil { wanted[key] = stamp }
            return wanted
        }
        let url = ComtradeQuery.availabilityURL(target.fetch)
        var call = FetchCall(source: target.source, url: url.absoluteString)
        let answer: ComtradeResponse
        do {
            let response = try target.http.get(url, headers: keyHeaders)
            call.httpStatus = response.status
            call.tries = response.tries
            outcome.tries += response.tries
            guard response.status == 200 else {
                throw FetchFailure.refused(status: response.status, message: secret.redact(
                    HTTPFetcher.message(in: response.body) ?? "availability refused"))
            }
            answer = try ComtradeResponse(body: response.body)
        } catch let failure as FetchFailure {
            call.note(failure)
            call.error = secret.redact(failure.description)
            try target.state.record(call)
            outcome.failures.append("\(target.source): availability: \(call.error ?? "")")
            return nil
        }
        call.records = answer.count
        let first = ComtradeQuery.apiPeriod(target.fetch.from)
        var wanted: [ReporterPeriod: String] = [:]
        for record in answer.records {
            guard let reporter = record.reporter, let period = record.period, let released = record.lastReleased,
                  target.fetch.reporters.contains(reporter), period.count == first.count, period >= first else { continue }
            let key = ReporterPeriod(reporter: reporter, period: period)
            if let known = stored[key], known >= released { continue }
            wanted[key] = max(released, wanted[key] ?? released)
        }
        call.lastReleased = wanted.values.max()
        try target.state.record(call)
        return wanted
    }

    /// One query per reporter and run of at most 12 periods, reporters and periods in order.
    static func queries(for wanted: [ReporterPeriod: String], fetch: FetchDefinition) -> [ComtradeQuery] {
        var queries: [ComtradeQuery] = []
        for reporter in fetch.reporters {
            let periods = wanted.keys.filter { $0.reporter == reporter }.map(\.period).sorted()
            var start = 0
            while start < periods.count {
                let chunk = Array(periods[start..<min(start + ComtradeQuery.maxPeriods, periods.count)])
                queries.append(ComtradeQuery(reporter: reporter, periods: chunk, flows: fetch.flows, partners: fetch.partners))
                start += ComtradeQuery.maxPeriods
            }
        }
        return queries
    }
}
