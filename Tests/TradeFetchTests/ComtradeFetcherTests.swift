import Foundation
import Testing
import TradeConfig
import TradeCore
@testable import TradeFetch
import TradeTestSupport

/// `ComtradeFetcher` against a loopback server replaying Comtrade-shaped answers.
@Suite(.serialized) struct ComtradeFetcherTests {
    static let key = "k3y-SECRET-0123456789abcdef"
    static let dataPath = "/data/v1/get/C/M/HS"
    static let availabilityPath = "/data/v1/getDa/C/M/HS"
    static let previewPath = "/public/v1/preview/C/M/HS"

    @Test func fetchesOnlyWhatWasReleasedSinceTheLastFetch() throws {
        let server = try LoopbackServer(routes: [
            route(Self.availabilityPath, [ok(availabilityBody([("156", "202301", "2023-02-20T00:00:00"),
                                                                ("156", "202302", "2023-03-10T00:00:00"),
                                                                ("156", "202212", "2023-01-20T00:00:00")]))]),
            route(Self.dataPath, ["period": "202301,202302"], [ok(comtradeBody([
                comtradeRecord(period: "202301"), comtradeRecord(period: "202302", flow: "M", usd: 12),
                comtradeRecord(period: "202302")]))]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let fetch = comtradeDefinition(server: server)
        let first = try makeComtradeFetcher(fetch, raw: raw, state: state, key: Self.key, policy: testPolicy(sleeps)).run()
        #expect(first.failures == [])
        #expect(first.files == ["comtrade-api/156-M-202301-2846_280530.json", "comtrade-api/156-M-202302-2846_280530.json"])
        let january = try JSONSerialization.jsonObject(with: Data(contentsOf: raw.appendingPathComponent(first.files[0])))
            as? [String: Any]
        #expect(january?["count"] as? Int == 1)
        let februaryText = try String(contentsOf: raw.appendingPathComponent(first.files[1]), encoding: .utf8)
        #expect(februaryText.contains("\"primaryValue\": 12.0"))  // the literal as sent, not re-encoded
        let requests = try server.requests()
        #expect(requests.map(\.path) == [Self.availabilityPath, Self.dataPath])
        let query = requests[1].query
        for item in ["reporterCode=156", "period=202301,202302", "cmdCode=2846,280530", "flowCode=X,M", "partner2Code=0",
                     "customsCode=C00", "motCode=0", "breakdownMode=classic", "includeDesc=true"] {
            #expect(query.contains(item), "\(item) in \(query)")
        }
        #expect(!query.contains("partnerCode="))  // every partner
        #expect(requests.allSatisfy { $0.headers["Ocp-Apim-Subscription-Key"] == Self.key })
        #expect(requests.allSatisfy { !$0.query.contains(Self.key) })

        // Nothing new: availability only, no data call.
        let second = try makeComtradeFetcher(fetch, raw: raw, state: state, key: Self.key, policy: testPolicy(sleeps)).run()
        #expect(second.files == [] && second.failures == [])
        #expect(try server.requests().count == 3)

        // February re-released: only it is fetched again, and its file replaced.
        try server.setRoutes([
            route(Self.availabilityPath, [ok(availabilityBody([("156", "202301", "2023-02-20T00:00:00"),
                                                                ("156", "202302", "2023-04-01T00:00:00")]))]),
            route(Self.dataPath, ["period": "202302"], [ok(comtradeBody([comtradeRecord(period: "202302", usd: 77)]))]),
        ])
        let third = try makeComtradeFetcher(fetch, raw: raw, state: state, key: Self.key, policy: testPolicy(sleeps)).run()
        #expect(third.files == ["comtrade-api/156-M-202302-2846_280530.json"])
        #expect(try String(contentsOf: raw.appendingPathComponent(third.files[0]), encoding: .utf8).contains("\"fobvalue\": 77"))
        #expect(try state.releases(source: "comtrade-api")[ReporterPeriod(reporter: "156", period: "202302")]
            == "2023-04-01T00:00:00")
        #expect(state.calls.allSatisfy { !$0.url.contains(Self.key) && !($0.error ?? "").contains(Self.key) })
    }

    @Test func anAnswerAtTheCapIsSplitByPeriodThenFlow() throws {
        let full = (0..<500).map { comtradeRecord(period: "202301", partner: String(100 + $0)) }
        let server = try LoopbackServer(routes: [
            route(Self.previewPath, ["period": "202301,202302"], [ok(comtradeBody(full))]),
            route(Self.previewPath, ["period": "202301"], [ok(comtradeBody([comtradeRecord(period: "202301")]))]),
            route(Self.previewPath, ["period": "202302", "flowCode": "X,M"], [ok(comtradeBody(
                (0..<500).map { comtradeRecord(period: "202302", partner: String(100 + $0)) }))]),
            route(Self.previewPath, ["period": "202302", "flowCode": "X"], [ok(comtradeBody([
                comtradeRecord(period: "202302", flow: "X"), comtradeRecord(period: "202302", flow: "X", partner: "699")]))]),
            route(Self.previewPath, ["period": "202302", "flowCode": "M"], [ok(comtradeBody([
                comtradeRecord(period: "202302", flow: "M")]))]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let outcome = try makeComtradeFetcher(comtradeDefinition(server: server), raw: raw, state: state, key: nil,
                                              policy: testPolicy(sleeps)).run()
        #expect(outcome.failures == [])
        let asked = try server.requests().map { request in
            let items = URLComponents(string: "?" + request.query)?.queryItems ?? []
            return [items.first { $0.name == "period" }?.value ?? "", items.first { $0.name == "flowCode" }?.value ?? ""]
        }
        #expect(asked == [["202301,202302", "X,M"], ["202301", "X,M"], ["202302", "X,M"], ["202302", "X"], ["202302", "M"]])
        let february = try JSONSerialization.jsonObject(with: Data(contentsOf: raw.appendingPathComponent(outcome.files[1])))
            as? [String: Any]
        #expect(february?["count"] as? Int == 3)
        #expect(try server.requests().allSatisfy { $0.headers["Ocp-Apim-Subscription-Key"] == nil })
    }

    @Test func aCountThatDisagreesWithItsDataIsAnErrorNotAFile() throws {
        let server = try LoopbackServer(routes: [
            route(Self.previewPath, [ok(comtradeBody([comtradeRecord(period: "202301")], count: 2))]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let outcome = try makeComtradeFetcher(comtradeDefinition(server: server, from: "2023-02"), raw: raw, state: state,
                                              key: nil, policy: testPolicy(sleeps)).run()
        #expect(outcome.files == [])
        #expect(outcome.failures.count == 1 && outcome.failures[0].contains("count 2 disagrees with the 1 records"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: raw.path) == [])
        #expect(state.calls.map(\.error).count == 1)
    }

    @Test func retriesHonourRetryAfterAndBackOffExponentially() throws {
        let server = try LoopbackServer(routes: [
            route(Self.previewPath, ["period": "202301"], [
                ["status": 429, "headers": ["Retry-After": "7"], "body": "{\"statusCode\": 429, \"message\": \"Rate limit\"}"],
                ["status": 503, "body": "{}"],
                ok(comtradeBody([comtradeRecord(period: "202301")])),
            ]),
            route(Self.previewPath, ["period": "202302"], [["status": 500, "body": "{\"statusCode\": 500, \"message\": \"boom\"}"]]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let fetch = comtradeDefinition(server: server, from: "2023-01")
        let fetcher = makeComtradeFetcher(fetch, raw: raw, state: state, key: nil, policy: testPolicy(sleeps))
        // Two calls of one period each: January 2023, then February.
        var outcome = FetchOutcome(source: "comtrade-api")
        var run = ComtradeRun(fetcher: fetcher)
        try run.fetchChunk(ComtradeQuery(reporter: "156", periods: ["202301"], flows: ["X", "M"], partners: nil),
                           releases: [:], outcome: &outcome)
        #expect(outcome.files == ["comtrade-api/156-M-202301-2846_280530.json"])
        // 429 → its Retry-After; 503 → the second backoff step, 2 s with the jitter at the middle: 1.5 s.
        #expect(sleeps.backoffs == [7, 1.5])
        try run.fetchChunk(ComtradeQuery(reporter: "156", periods: ["202302"], flows: ["X", "M"], partners: nil),
                           releases: [:], outcome: &outcome)
        // Four waits between five tries: 1, 2, 4, 8 s steps, each at 3/4 with this jitter.
        #expect(Array(sleeps.backoffs.dropFirst(2)) == [0.75, 1.5, 3, 6])
        #expect(outcome.failures.count == 1 && outcome.failures[0].contains("gave up after 5 tries: HTTP 500: boom"))
        #expect(state.calls.last?.tries == 5 && state.calls.last?.httpStatus == 500)
        #expect(outcome.files.count == 1)
    }

    @Test func retryAfterAsAnHTTPDateWaitsUntilThatTime() throws {
        // The test clock stands at 2023-03-15 12:00:00 UTC: a date 9 s later is a 9 s wait; a
        // Retry-After that is neither seconds nor a date falls back to the backoff (first step, 1 s × 3/4).
        let server = try LoopbackServer(routes: [
            route(Self.previewPath, ["period": "202301"], [
                ["status": 429, "headers": ["Retry-After": "Wed, 15 Mar 2023 12:00:09 GMT"], "body": "{}"],
                ["status": 429, "headers": ["Retry-After": "soon"], "body": "{}"],
                ok(comtradeBody([comtradeRecord(period: "202301")])),
            ]),
        ])
        defer { server.stop() }
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let fetcher = makeComtradeFetcher(comtradeDefinition(server: server), raw: try temporaryRaw(), state: state,
                                          key: nil, policy: testPolicy(sleeps))
        var outcome = FetchOutcome(source: "comtrade-api")
        var run = ComtradeRun(fetcher: fetcher)
        try run.fetchChunk(ComtradeQuery(reporter: "156", periods: ["202301"], flows: ["X", "M"], partners: nil),
                           releases: [:], outcome: &outcome)
        // (The clock also advances by the pace's 0.01 s waits.)
        #expect(sleeps.backoffs.count == 2)
        #expect(abs((sleeps.backoffs.first ?? 0) - 9) < 0.05)
        #expect(sleeps.backoffs.last == 1.5)
        #expect(outcome.files == ["comtrade-api/156-M-202301-2846_280530.json"])
    }

    @Test func aBadKeyIsNotRetriedAndNeverShown() throws {
        let server = try LoopbackServer(routes: [
            route(Self.availabilityPath, [["status": 401, "body":
                "{\"statusCode\": 401, \"message\": \"Access denied due to invalid subscription key \(Self.key).\"}"]]),
        ])
        defer { server.stop() }
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let outcome = try makeComtradeFetcher(comtradeDefinition(server: server), raw: try temporaryRaw(), state: state,
                                              key: Self.key, policy: testPolicy(sleeps)).run()
        #expect(try server.requests().count == 1)
        #expect(outcome.failures.count == 1 && outcome.failures[0].contains("HTTP 401"))
        #expect(!outcome.failures[0].contains(Self.key) && outcome.failures[0].contains("[key]"))
        #expect(state.calls.allSatisfy { !($0.error ?? "").contains(Self.key) })
    }

    @Test func aTruncatedBodyIsTriedAgainAndNeverWritten() throws {
        let body = comtradeBody([comtradeRecord(period: "202301"), comtradeRecord(period: "202301", flow: "M")])
        let server = try LoopbackServer(routes: [
            route(Self.previewPath, [["status": 200, "body": body, "truncate": 60]]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let outcome = try makeComtradeFetcher(comtradeDefinition(server: server, from: "2023-02"), raw: raw, state: state,
                                              key: nil, policy: testPolicy(sleeps)).run()
        #expect(try server.requests().count == 5)
        #expect(outcome.files == [] && outcome.failures.count == 1)
        #expect(outcome.failures[0].contains("gave up after 5 tries"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: raw.path) == [])
    }

    @Test func theDailyBudgetHoldsAcrossRunsAndKeepsWhatWasFetched() throws {
        let server = try LoopbackServer(routes: [
            route(Self.previewPath, ["period": "202302"], [ok(comtradeBody([comtradeRecord(period: "202302")]))]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        // Three reporters, one call each; a budget of two calls a day.
        let fetch = comtradeDefinition(server: server, reporters: ["156", "842", "699"], from: "2023-02", budget: 2)
        let first = try makeComtradeFetcher(fetch, raw: raw, state: state, key: nil, policy: testPolicy(sleeps)).run()
        #expect(first.files == ["comtrade-api/156-M-202302-2846_280530.json", "comtrade-api/842-M-202302-2846_280530.json"])
        #expect(first.failures.count == 1 && first.failures[0].contains("daily call budget of 2 calls is spent"))
        #expect(try server.requests().count == 2)
        let again = try makeComtradeFetcher(fetch, raw: raw, state: state, key: nil, policy: testPolicy(sleeps)).run()
        #expect(try server.requests().count == 2)  // the same day: no call at all
        #expect(again.files == [] && again.failures.count == 1)
        let nextDay = try makeComtradeFetcher(fetch, raw: raw, state: state, key: nil,
                                              policy: testPolicy(sleeps, now: "2023-03-16T01:00:00Z")).run()
        #expect(try server.requests().count == 3)
        #expect(nextDay.files == ["comtrade-api/699-M-202302-2846_280530.json"] && nextDay.failures == [])
    }

    @Test func aDryRunListsTheCallsAndMakesNone() throws {
        let server = try LoopbackServer(routes: [])
        defer { server.stop() }
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let fetch = comtradeDefinition(server: server, reporters: ["156", "842"])
        let planned = try makeComtradeFetcher(fetch, raw: try temporaryRaw(), state: state, key: Self.key,
                                              policy: testPolicy(sleeps)).plan().planned
        #expect(planned.count == 3)
        #expect(planned[0].hasPrefix("GET \(server.baseURL)\(Self.availabilityPath)?reporterCode=156,842"))
        #expect(planned[1].contains("reporterCode=156&period=202301,202302&cmdCode=2846,280530&flowCode=X,M"))
        #expect(planned.allSatisfy { !$0.contains(Self.key) })
        #expect(try server.requests().isEmpty)
    }
}
