/// A reporter and period of a Comtrade source.
public struct FetchReleaseKey: Sendable, Hashable {
    public var reporter: String
    public var period: String

    public init(reporter: String, period: String) {
        self.reporter = reporter
        self.period = period
    }
}
