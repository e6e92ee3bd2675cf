import Foundation

/// How politely and how long a fetch waits: tries, backoff, timeouts, and the clock it waits on.
/// The clock, the sleep and the jitter are parameters so a test can run the same code without
/// waiting; production uses the defaults.
public struct FetchPolicy: Sendable {
    /// Tries per call (HTTP 429, 5xx and transport failures are tried again).
    public var maxTries: Int
    /// The first backoff; each further try doubles it.
    public var backoffBase: Double
    /// The longest wait between tries; a `Retry-After` beyond it ends the call's tries.
    public var maxDelay: Double
    /// Seconds to establish a connection.
    public var connectTimeout: Double
    /// Seconds without a byte before a read fails.
    public var readTimeout: Double
    /// The largest response body accepted, in bytes.
    public var maxBodyBytes: Int
    /// The current time.
    public var now: @Sendable () -> Date
    /// Waits `seconds`.
    public var sleep: @Sendable (Double) -> Void
    /// A number in 0..<1 spreading the backoff (so clients retrying together do not stay together).
    public var jitter: @Sendable () -> Double

    public init(maxTries: Int = 5, backoffBase: Double = 1, maxDelay: Double = 120, connectTimeout: Double = 10,
                readTimeout: Double = 120, maxBodyBytes: Int = 1 << 30,
                now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (Double) -> Void = { seconds in
                    if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
                },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.maxTries = maxTries
        self.backoffBase = backoffBase
        self.maxDelay = maxDelay
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxBodyBytes = maxBodyBytes
        self.now = now
        self.sleep = sleep
        self.jitter = jitter
    }

    /// The wait before try `attempt + 1` after `attempt` failed: half the exponential step fixed,
    /// half jittered ("equal jitter"), at most `maxDelay`.
    public func backoff(afterTry attempt: Int) -> Double {
        let step = min(maxDelay, backoffBase * pow(2, Double(max(0, attempt - 1))))
        return step / 2 + step / 2 * jitter()
    }

    /// The UTC day of `date` (`YYYY-MM-DD`), the unit of the daily call budget.
    public static func day(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
