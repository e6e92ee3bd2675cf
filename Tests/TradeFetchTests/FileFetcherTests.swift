import Foundation
import Testing
import TradeConfig
import TradeCore
import TradeFetch
import TradeTestSupport

/// `api: http`: published files downloaded with conditional GET.
@Suite(.serialized) struct FileFetcherTests {
    private func fetcher(_ server: LoopbackServer, paths: [String], raw: URL, state: MemoryFetchState,
                         sleeps: RecordedSleeps, readTimeout: Double? = nil, connectTimeout: Double? = nil) -> FileFetcher {
        let fetch = FetchDefinition(api: .http, baseURL: FetchDefinition.comtradeBaseURL,
                                    urls: paths.map { URL(string: server.baseURL + $0)! }, callsPerSecond: 100,
                                    dailyCallBudget: 100, location: SourceLocation(file: "Pipelines/usgs.yaml", line: 4))
        var policy = testPolicy(sleeps)
        if let readTimeout { policy.readTimeout = readTimeout }
        if let connectTimeout { policy.connectTimeout = connectTimeout }
        let http = HTTPFetcher(source: "usgs", callsPerSecond: 100, dailyBudget: 100, followRedirects: true, policy: policy,
                               state: state, secret: Secret(nil))
        return FileFetcher(FetchTarget(source: "usgs", fetch: fetch, folder: "usgs-mcs", rawDirectory: raw, http: http, state: state))
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

    @Test func aServerThatDoesNotAcceptTimesOutConnectingAndIsTriedAgain() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let raw = try temporaryRaw()
        let state = MemoryFetchState(), sleeps = RecordedSleeps()
        let fetch = FetchDefinition(api: .http, baseURL: FetchDefinition.comtradeBaseURL,
                                    urls: [URL(string: "http://127.0.0.1:\(listener.port)/never.csv")!], callsPerSecond: 100,
                                    dailyCallBudget: 100, location: SourceLocation(file: "Pipelines/usgs.yaml", line: 4))
        var policy = testPolicy(sleeps)
        policy.connectTimeout = 0.2
        let http = HTTPFetcher(source: "usgs", callsPerSecond: 100, dailyBudget: 100, followRedirects: true, policy: policy,
                               state: state, secret: Secret(nil))
        let start = Date()
        let outcome = try FileFetcher(FetchTarget(source: "usgs", fetch: fetch, folder: "usgs-mcs", rawDirectory: raw,
                                                  http: http, state: state)).run()
        #expect(outcome.files == [])
        #expect(outcome.failures.count == 1 && outcome.failures[0].contains("gave up after 5 tries: connect timeout"))
        #expect(Date().timeIntervalSince(start) < 8)  // five connects of 0.2 s
        #expect(state.calls.first?.tries == 5 && state.calls.first?.httpStatus == nil)
    }
}

/// A loopback port whose listener never accepts and whose queue is full, so a new connection's
/// handshake is never answered: what a server that is down behind a firewall looks like.
private final class SilentListener {
    let port: UInt16
    private var descriptors: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Diagnostic("socket() failed") }
        descriptors.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(listener, socketAddress, length) == 0 && listen(listener, 0) == 0
                    && getsockname(listener, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Diagnostic("cannot listen on 127.0.0.1") }
        port = UInt16(bigEndian: address.sin_port)
        // Fill the accept queue (its length is the backlog + 1) with connections nobody accepts.
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            descriptors.append(client)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
            }
        }
        usleep(100_000)
    }

    func close() { for descriptor in descriptors { _ = Glibc.close(descriptor) } }
}
