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
