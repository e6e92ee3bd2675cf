/// A statistical period: a calendar month (`2024-06`) or a year (`2024`).
public struct Period: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    // Eight bytes instead of the 24 an `Int` and an `Int?` take: detection holds one per figure of
    // a whole code family. Years outside Int32 and months outside Int8 do not occur (`init?(_:)`
    // accepts 1800...2200 and 1...12).
    private let storedYear: Int32
    /// The month, or -1 for an annual period.
    private let storedMonth: Int8

    public var year: Int { Int(storedYear) }
    /// 1...12, or nil for an annual period.
    public var month: Int? { storedMonth < 0 ? nil : Int(storedMonth) }

    public init(year: Int, month: Int? = nil) {
        storedYear = Int32(truncatingIfNeeded: year)
        storedMonth = month.map { Int8(truncatingIfNeeded: $0) } ?? -1
    }

    /// Parses `YYYY`, `YYYY-MM` and `YYYYMM`; nil for anything else or a month outside 1...12.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        func number(_ slice: ArraySlice<UInt8>) -> Int? {
            guard !slice.isEmpty, slice.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return slice.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        let year: Int, month: Int?
        switch bytes.count {
        case 4:
            guard let y = number(bytes[0..<4]) else { return nil }
            (year, month) = (y, nil)
        case 6:
            guard let y = number(bytes[0..<4]), let m = number(bytes[4..<6]) else { return nil }
            (year, month) = (y, m)
        case 7:
            guard bytes[4] == UInt8(ascii: "-"), let y = number(bytes[0..<4]), let m = number(bytes[5..<7]) else { return nil }
            (year, month) = (y, m)
        default:
            return nil
        }
        guard (1800...2200).contains(year) else { return nil }
        if let month, !(1...12).contains(month) { return nil }
        self.init(year: year, month: month)
    }

    public var frequency: Frequency { month == nil ? .annual : .monthly }

    /// `YYYY-MM` or `YYYY`: the text form used in the warehouse.
    public var description: String {
        guard let month else { return String(year) }
        return "\(year)-\(month < 10 ? "0" : "")\(month)"
    }

    /// Months since year 0 (monthly periods), for lag arithmetic.
    public var monthIndex: Int { year * 12 + ((month ?? 1) - 1) }

    public init(monthIndex: Int) {
        self.init(year: monthIndex / 12, month: monthIndex % 12 + 1)
    }

    public func adding(months: Int) -> Period {
        guard month != nil else { return Period(year: year + months / 12) }
        return Period(monthIndex: monthIndex + months)
    }

    public static func < (lhs: Period, rhs: Period) -> Bool {
        if lhs.year != rhs.year { return lhs.year < rhs.year }
        return (lhs.month ?? 0) < (rhs.month ?? 0)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let p = Period(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a period: \(text)"))
        }
        self = p
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// `M` monthly or `A` annual, as in the `trade.frequency` column.
public enum Frequency: String, Sendable, Codable, CaseIterable {
    case monthly = "M"
    case annual = "A"
}
