import Foundation
import Testing
import TradeConfig
import TradeCore
import TradeFetch
import TradeTestSupport

/// `api: http`: published files downloaded with conditional GET.
@Suite(.serialized) struct FileFetcherTests {
    private func fetcher(_ server: LoopbackServer, paths: [String], raw: URL, state: MemoryFetchState,
                         sleeps: RecordedSleeps, readTimeout: Double? = nil) -> FileFetcher {
        let fetch = FetchDefinition(api: .http, baseURL: FetchDefinition.comtradeBaseURL,
                                    urls: paths.map { URL(string: server.baseURL + $0)! }, callsPerSecond: 100,
                                    dailyCallBudget: 100, location: SourceLocation(file: "Pipelines/usgs.yaml", line: 4))
        var policy = testPolicy(sleeps)
        if let readTimeout { policy.readTimeout = readTimeout }
        let http = HTTPFetcher(source: "usgs", callsPerSecond: 100, dailyBudget: 100, followRedirects: true, policy: policy,
                               state: state, secret: Secret(nil))
        return FileFetcher(source: "usgs", fetch: fetch, folder: "usgs-mcs", rawDirectory: raw, http: http, state: state)
    }

    @Test func anUnchangedFileIsNotDownloadedAgain() throws {
        let csv = "Country,Year,Production\nChina,2023,240000\n"
        let server = try LoopbackServer(routes: [
            route("/mcs2024/world.csv", [["status": 200, "body": csv, "etag": "\"v1\""]]),
            route("/mcs2024/salient.csv", [["status": 200, "body": "Year,Price\n2023,1\n",
                                            "last_modified": "Wed, 01 Nov 2023 10:00:00 GMT"]]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let paths = ["/mcs2024/world.csv", "/mcs2024/salient.csv"]
        let first = try fetcher(server, paths: paths, raw: raw, state: state, sleeps: sleeps).run()
        #expect(first.files == ["usgs-mcs/world.csv", "usgs-mcs/salient.csv"] && first.failures == [])
        #expect(try String(contentsOf: raw.appendingPathComponent("usgs-mcs/world.csv"), encoding: .utf8) == csv)
        let written = try FileManager.default.attributesOfItem(atPath: raw.appendingPathComponent("usgs-mcs/world.csv").path)

        let second = try fetcher(server, paths: paths, raw: raw, state: state, sleeps: sleeps).run()
        #expect(second.files == [] && second.failures == [])
        let requests = try server.requests()
        #expect(requests.count == 4)
        #expect(requests[2].headers["If-None-Match"] == "\"v1\"")
        #expect(requests[3].headers["If-Modified-Since"] == "Wed, 01 Nov 2023 10:00:00 GMT")
        #expect(state.calls.suffix(2).map(\.httpStatus) == [304, 304])
        let after = try FileManager.default.attributesOfItem(atPath: raw.appendingPathComponent("usgs-mcs/world.csv").path)
        #expect(after[.modificationDate] as? Date == written[.modificationDate] as? Date)
        // No temporary file is left beside the ones written.
        #expect(try FileManager.default.contentsOfDirectory(atPath: raw.appendingPathComponent("usgs-mcs").path).sorted()
            == ["salient.csv", "world.csv"])

        // A file deleted by hand is downloaded again, unconditionally.
        try FileManager.default.removeItem(at: raw.appendingPathComponent("usgs-mcs/world.csv"))
        let third = try fetcher(server, paths: [paths[0]], raw: raw, state: state, sleeps: sleeps).run()
        #expect(third.files == ["usgs-mcs/world.csv"])
        #expect(try server.requests().last?.headers["If-None-Match"] == nil)
    }

    @Test func aServerThatDoesNotAnswerTimesOutAndIsTriedAgain() throws {
        let server = try LoopbackServer(routes: [
            route("/slow.csv", [["status": 200, "body": "a,b\n", "delay": 2]]),
        ])
        defer { server.stop() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let start = Date()
        let outcome = try fetcher(server, paths: ["/slow.csv"], raw: raw, state: state, sleeps: sleeps,
                                  readTimeout: 0.2).run()
        #expect(outcome.files == [])
        #expect(outcome.failures.count == 1 && outcome.failures[0].contains("gave up after 5 tries: read timeout"))
        #expect(try server.requests().count == 5)
        #expect(Date().timeIntervalSince(start) < 8)  // five reads of 0.2 s, not five answers of 2 s
        #expect(state.calls.first?.tries == 5 && state.calls.first?.httpStatus == nil)
    }
}
