import Foundation

/// What a fetch remembers between runs, kept by the caller (the runner keeps it in the warehouse):
/// the calls spent per UTC day, each reporter-period's `lastReleased`, each file's validators, and
/// the log of calls. TradeFetch never opens the database itself.
public protocol FetchState: Sendable {
    /// Calls `source` made on `day` (`YYYY-MM-DD`, UTC).
    func callsMade(source: String, day: String) throws -> Int
    /// Counts one call before it is made and returns the day's count.
    func countCall(source: String, day: String) throws -> Int
    /// Adds one exchange to the log (the `fetches` view).
    func record(_ call: FetchCall) throws
    /// `lastReleased` per reporter-period as last fetched.
    func releases(source: String) throws -> [ReporterPeriod: String]
    func recordRelease(source: String, _ key: ReporterPeriod, lastReleased: String) throws
    /// ETag and Last-Modified of the copy of `url` last downloaded.
    func validators(source: String, url: String) throws -> HTTPValidators?
    func storeValidators(source: String, url: String, _ validators: HTTPValidators) throws
}

/// A Comtrade reporter code and period (`202301`, `2023`) as the API writes them.
public struct ReporterPeriod: Sendable, Hashable, Comparable {
    public var reporter: String
    public var period: String

    public init(reporter: String, period: String) {
        self.reporter = reporter
        self.period = period
    }

    public static func < (lhs: ReporterPeriod, rhs: ReporterPeriod) -> Bool {
        (lhs.reporter, lhs.period) < (rhs.reporter, rhs.period)
    }
}

/// Conditional-GET validators of a downloaded file.
public struct HTTPValidators: Sendable, Hashable {
    public var etag: String?
    public var lastModified: String?

    public init(etag: String?, lastModified: String?) {
        self.etag = etag
        self.lastModified = lastModified
    }
}
