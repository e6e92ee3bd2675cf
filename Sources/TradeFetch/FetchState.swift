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
