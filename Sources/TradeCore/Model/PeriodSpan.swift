/// The periods a finding from one period to another covers, as its raw files are cited: every year
/// of the span (an annual row counts when its year is in it), and every month from the first
/// bound's month (January of an annual bound) to the second's (December of an annual bound).
public struct PeriodSpan: Sendable, Equatable {
    public let years: ClosedRange<Int>
    /// Month indices (`Period.monthIndex`); nil when the bounds leave no month between them.
    public let months: ClosedRange<Int>?

    /// nil when the span runs backwards.
    public init?(from: Period, to: Period) {
        guard from.year <= to.year else { return nil }
        years = from.year...to.year
        let first = from.year * 12 + (from.month ?? 1) - 1, last = to.year * 12 + (to.month ?? 12) - 1
        months = first <= last ? first...last : nil
    }

    /// nil when either bound is not a period, or the span runs backwards.
    public init?(from: String, to: String) {
        guard let start = Period(from), let end = Period(to) else { return nil }
        self.init(from: start, to: end)
    }

    public func contains(_ period: Period) -> Bool {
        guard period.month != nil else { return years.contains(period.year) }
        return months?.contains(period.monthIndex) ?? false
    }

    /// Every period of the span: its years, then its months.
    public var periods: [Period] {
        years.map { Period(year: $0) } + (months.map { $0.map(Period.init(monthIndex:)) } ?? [])
    }
}
