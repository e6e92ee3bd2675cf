import Foundation
import TradeCore
import TradeConfig

/// Refuses trade rows dated after the current month, whichever reader produced them: a
/// statistic cannot describe a month that has not happened (a typo, `202413` read as a later
/// year, a template filled in ahead). One check for every format, so no reader can miss it.
public struct FuturePeriodCheck: SourceReader {
    public let inner: any SourceReader
    /// The current month (UTC); a row's period after it is rejected.
    public let currentMonth: Period

    public init(_ inner: any SourceReader, now: Date) {
        self.inner = inner
        currentMonth = Self.month(of: now)
    }

    public static func month(of date: Date) -> Period {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return Period(year: parts.year!, month: parts.month!)
    }

    /// True when `period` (a month, or a year: its first month) starts after the current month.
    public func isFuture(_ period: Period) -> Bool {
        Period(year: period.year, month: period.month ?? 1).monthIndex > currentMonth.monthIndex
    }

    public func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                     emit: (RowOutcome) throws -> Void) throws {
        try inner.read(file, definition: definition, reference: reference) { outcome in
            guard case .trade(let row) = outcome, isFuture(row.period) else { return try emit(outcome) }
            try emit(.rejected(RejectedRow(
                location: SourceLocation(file: file.displayPath, line: row.rawLine),
                columnName: "period",
                reason: "period \(row.period) is later than the current month (\(currentMonth))",
                rawText: "period=\(row.period) reporter=\(row.reporter) partner=\(row.partner) flow=\(row.flow.rawValue) hs=\(row.hsCode)")))
        }
    }
}
