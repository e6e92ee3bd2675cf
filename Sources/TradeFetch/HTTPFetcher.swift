import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Makes one source's HTTP calls through async-http-client: at most `callsPerSecond`, each counted
/// against the daily budget before it is made, 429 / 5xx / transport failures tried again with
/// exponential backoff and jitter (or the server's `Retry-After`), at most `policy.maxTries` tries.
///
/// Synchronous: the pipeline is, and blocking the calling thread on the client's future is the
/// one wait; the client's own event loop does the I/O.
public final class HTTPFetcher: @unchecked Sendable {
    /// The fetcher's own event loop, shut down with it: the process-wide singleton's threads
    /// would outlive the command and keep a process whose main thread exits from ending.
    let group: MultiThreadedEventLoopGroup
    let client: HTTPClient
    let source: String
    let policy: FetchPolicy
    let budget: Int
    let state: any FetchState
    let secret: Secret
    let interval: Double
    /// When the previous try started (pacing); touched by the calling thread only.
    private var lastStart: Date?

    public init(source: String, callsPerSecond: Double, dailyBudget: Int, followRedirects: Bool,
                policy: FetchPolicy, state: any FetchState, secret: Secret) {
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: followRedirects ? .follow(max: 5, allowCycles: false) : .disallow,
            timeout: .init(connect: .milliseconds(Int64(policy.connectTimeout * 1000)),
                           read: .milliseconds(Int64(policy.readTimeout * 1000))))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        self.source = source
        self.policy = policy
        self.budget = dailyBudget
        self.state = state
        self.secret = secret
        interval = 1 / callsPerSecond
    }

    deinit {
        // Shutting down cannot fail in a way a caller could act on once the fetch is over.
        try? client.syncShutdown()
        try? group.syncShutdownGracefully()
    }

    /// GET `url` with `headers`; a final 2xx, 304 or other non-retried status is returned, a
    /// retried status that stays is `triesExhausted`, a spent budget `budgetSpent`.
    public func get(_ url: URL, headers: [(String, String)] = []) throws -> FetchResponse {
        var last = ""
        var lastStatus: Int?
        for attempt in 1...policy.maxTries {
            try spend()
            let response: HTTPClient.Response
            do {
                response = try send(url, headers: headers)
            } catch let error as FetchFailure {
                throw error
            } catch {
                last = secret.redact(Self.describe(error))
                lastStatus = nil
                guard attempt < policy.maxTries else { break }
                policy.sleep(policy.backoff(afterTry: attempt))
                continue
            }
            let status = Int(response.status.code)
            let body = response.body.map { Data($0.readableBytesView) } ?? Data()
            let headerList = response.headers.map { ($0.name, $0.value) }
            guard status == 429 || (500...599).contains(status) else {
                return FetchResponse(status: status, headers: headerList, body: body, tries: attempt)
            }
            lastStatus = status
            last = "HTTP \(status)" + (Self.message(in: body).map { ": \(secret.redact($0))" } ?? "")
            guard attempt < policy.maxTries else { break }
            let wait = retryAfter(response.headers.first(name: "Retry-After")) ?? policy.backoff(afterTry: attempt)
            guard wait <= policy.maxDelay else {
                throw FetchFailure.triesExhausted(tries: attempt, status: status,
                                                  last: last + " (Retry-After \(Int(wait)) s is beyond \(Int(policy.maxDelay)) s)")
            }
            policy.sleep(wait)
        }
        throw FetchFailure.triesExhausted(tries: policy.maxTries, status: lastStatus, last: last)
    }

    /// Checks and counts one call against the day's budget, then waits for the pace.
    private func spend() throws {
        let day = FetchPolicy.day(of: policy.now())
        guard try state.callsMade(source: source, day: day) < budget else {
            throw FetchFailure.budgetSpent(budget: budget)
        }
        _ = try state.countCall(source: source, day: day)
        if let lastStart {
            let due = lastStart.addingTimeInterval(interval).timeIntervalSince(policy.now())
            if due > 0 { policy.sleep(due) }
        }
        lastStart = policy.now()
    }

    private func send(_ url: URL, headers: [(String, String)]) throws -> HTTPClient.Response {
        var headerFields = HTTPHeaders(headers)
        headerFields.add(name: "User-Agent", value: "tradewatch")
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url.absoluteString, method: .GET, headers: headerFields)
        } catch {
            throw FetchFailure.refused(status: nil, message: "cannot make a request for \(url.absoluteString): \(error)")
        }
        let accumulator = ResponseAccumulator(request: request, maxBodySize: policy.maxBodyBytes)
        do {
            return try client.execute(request: request, delegate: accumulator).futureResult.wait()
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw FetchFailure.invalidResponse("the response is larger than \(policy.maxBodyBytes) bytes")
        }
    }

    /// Seconds from a `Retry-After` header: a number of seconds or an HTTP date.
    func retryAfter(_ value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0, seconds.isFinite { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(policy.now()))
    }

    /// The `message` of a Comtrade error body (`{"statusCode", "message"}`), if it has one.
    static func message(in body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        return object["message"] as? String
    }

    /// A transport failure in a sentence (timeouts and truncated bodies named as such).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timeout"
            case .readTimeout: return "read timeout"
            case .remoteConnectionClosed: return "the server closed the connection before the response was complete"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
