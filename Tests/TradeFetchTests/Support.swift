import Foundation
import TradeConfig
import TradeCore
import TradeFetch
import TradeTestSupport

/// A fetch's state in memory, as the warehouse keeps it between runs.
final class MemoryFetchState: FetchState, @unchecked Sendable {
    private let lock = NSLock()
    private var budget: [String: Int] = [:]
    private var stored: [ReporterPeriod: String] = [:]
    private var validatorsByURL: [String: HTTPValidators] = [:]
    private(set) var calls: [FetchCall] = []

    func callsMade(source: String, day: String) throws -> Int { lock.withLock { budget["\(source) \(day)"] ?? 0 } }

    func countCall(source: String, day: String) throws -> Int {
        lock.withLock {
            budget["\(source) \(day)", default: 0] += 1
            return budget["\(source) \(day)"]!
        }
    }

    func record(_ call: FetchCall) throws { lock.withLock { calls.append(call) } }
    func releases(source: String) throws -> [ReporterPeriod: String] { lock.withLock { stored } }
    func recordRelease(source: String, _ key: ReporterPeriod, lastReleased: String) throws {
        lock.withLock { stored[key] = lastReleased }
    }
    func validators(source: String, url: String) throws -> HTTPValidators? { lock.withLock { validatorsByURL[url] } }
    func storeValidators(source: String, url: String, _ validators: HTTPValidators) throws {
        lock.withLock { validatorsByURL[url] = validators }
    }
}

/// The waits a fetch asked for, instead of waiting.
final class RecordedSleeps: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Double] = []
    var seconds: [Double] { lock.withLock { list } }
    /// The waits between tries, without the pace's (0.01 s at the tests' 100 calls a second).
    var backoffs: [Double] { seconds.filter { $0 > 0.1 } }
    /// Time the fetch has waited so far (the test clock advances by it).
    var total: Double { lock.withLock { list.reduce(0, +) } }
    func add(_ value: Double) { lock.withLock { list.append(value) } }
}

/// A Comtrade record as the API writes it (the keys the loader needs and a few more).
func comtradeRecord(reporter: String = "156", period: String, flow: String = "X", partner: String = "842",
                    code: String = "2846", kilograms: Int = 1000, usd: Int = 50000) -> String {
    """
    {"typeCode": "C", "freqCode": "M", "refPeriodId": \(period)01, "period": "\(period)", "reporterCode": \(reporter), \
    "flowCode": "\(flow)", "partnerCode": \(partner), "partner2Code": 0, "classificationCode": "H6", "cmdCode": "\(code)", \
    "customsCode": "C00", "motCode": 0, "qtyUnitCode": 8, "qty": \(kilograms), "netWgt": \(kilograms), \
    "cifvalue": null, "fobvalue": \(usd), "primaryValue": \(usd).0, "isReported": true}
    """
}

/// A Comtrade answer of `records`, its count `count` (their number unless a test says otherwise).
func comtradeBody(_ records: [String], count: Int? = nil) -> String {
    "{\"elapsedTime\": \"0.01 secs\", \"count\": \(count ?? records.count), \"data\": [\(records.joined(separator: ","))], \"error\": \"\"}"
}

/// A getDa answer: `lastReleased` per reporter-period.
func availabilityBody(_ releases: [(reporter: String, period: String, released: String)]) -> String {
    comtradeBody(releases.map {
        "{\"typeCode\": \"C\", \"freqCode\": \"M\", \"reporterCode\": \($0.reporter), \"period\": \"\($0.period)\", "
            + "\"classificationCode\": \"H6\", \"totalRecords\": 10, \"lastReleased\": \"\($0.released)\"}"
    })
}

func route(_ path: String, _ query: [String: String], _ responses: [[String: Any]]) -> [String: Any] {
    ["path": path, "query": query, "responses": responses]
}

func route(_ path: String, _ responses: [[String: Any]]) -> [String: Any] {
    route(path, [:], responses)
}

func ok(_ body: String) -> [String: Any] { ["status": 200, "body": body, "headers": ["Content-Type": "application/json"]] }

/// A definition for the loopback server, monthly, reporters and codes as given.
func comtradeDefinition(server: LoopbackServer, reporters: [String] = ["156"], flows: [String] = ["X", "M"],
                        partners: [String]? = nil, from: String = "2023-01", budget: Int = 500) -> FetchDefinition {
    FetchDefinition(api: .comtrade, baseURL: URL(string: server.baseURL)!, keyEnvironment: "COMTRADE_API_KEY",
                    reporters: reporters, commodities: ["2846", "280530"], flows: flows, partners: partners, from: from,
                    callsPerSecond: 100, dailyCallBudget: budget,
                    location: SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 5, column: 1))
}

/// A policy that records its waits instead of waiting, with the clock at `now` and the jitter fixed.
func testPolicy(_ sleeps: RecordedSleeps, now: String = "2023-03-15T12:00:00Z") -> FetchPolicy {
    let date = ISO8601DateFormatter().date(from: now)!
    return FetchPolicy(backoffBase: 1, maxDelay: 30, connectTimeout: 2, readTimeout: 5,
                       now: { date.addingTimeInterval(sleeps.total) },
                       sleep: { sleeps.add($0) }, jitter: { 0.5 })
}

func temporaryRaw() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fetch-raw-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func makeComtradeFetcher(_ fetch: FetchDefinition, raw: URL, state: MemoryFetchState, key: String?,
                         policy: FetchPolicy) -> ComtradeFetcher {
    let secret = Secret(key)
    let http = HTTPFetcher(source: "comtrade-api", callsPerSecond: fetch.callsPerSecond, dailyBudget: fetch.dailyCallBudget,
                           followRedirects: false, policy: policy, state: state, secret: secret)
    return ComtradeFetcher(FetchTarget(source: "comtrade-api", fetch: fetch, folder: "comtrade-api", rawDirectory: raw,
                                       http: http, state: state), secret: secret, policy: policy)
}
