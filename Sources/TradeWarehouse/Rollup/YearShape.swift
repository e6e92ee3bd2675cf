import TradeCore

/// What one file's trade rows cover of one declarer-year, gathered while they load: per code level
/// (2, 4, 6, 8; a longer code counts as 8, an odd length as the level below) the periods present,
/// and per level and frequency the shortest and longest code. For a declarer-year that nothing else
/// covers yet this is its `coverage_year`, written at load so the rollup refresh need not read the
/// rows again.
struct YearShape {
    /// Per level (index 0…3 for 2…8): bit 0 the year itself (an annual line), bits 1–12 its months.
    private var periods: [UInt16] = [0, 0, 0, 0]
    /// Per level and frequency (index level × 2, + 1 for months): the shortest and longest code.
    private var lengths = [(min: Int, max: Int)](repeating: (Int.max, 0), count: 8)

    mutating func add(codeLength: Int, month: Int?) {
        let level = min(8, codeLength / 2 * 2) / 2 - 1
        periods[level] |= 1 << UInt16(month ?? 0)
        let slot = level * 2 + (month == nil ? 0 : 1)
        lengths[slot] = (min(lengths[slot].min, codeLength), max(lengths[slot].max, codeLength))
    }

    mutating func merge(_ other: YearShape) {
        for i in periods.indices { periods[i] |= other.periods[i] }
        for i in lengths.indices {
            lengths[i] = (min(lengths[i].min, other.lengths[i].min), max(lengths[i].max, other.lengths[i].max))
        }
    }

    /// One `coverage_year` row.
    struct Coverage {
        var frequency: String
        var level: Int
        var first: String
        var last: String
        var periods: Int
        var minLength: Int
        var maxLength: Int
    }

    /// The `coverage_year` rows of the shape.
    func coverage(year: Int) -> [Coverage] {
        var rows: [Coverage] = []
        for (i, bits) in periods.enumerated() where bits != 0 {
            let level = (i + 1) * 2
            if bits & 1 != 0 {
                let (shortest, longest) = lengths[i * 2]
                rows.append(Coverage(frequency: "A", level: level, first: String(year), last: String(year), periods: 1,
                                     minLength: shortest, maxLength: longest))
            }
            let months = bits & ~1
            if months != 0 {
                let (first, last) = (months.trailingZeroBitCount, 15 - months.leadingZeroBitCount)
                let (shortest, longest) = lengths[i * 2 + 1]
                rows.append(Coverage(frequency: "M", level: level, first: Period(year: year, month: first).description,
                                     last: Period(year: year, month: last).description, periods: months.nonzeroBitCount,
                                     minLength: shortest, maxLength: longest))
            }
        }
        return rows
    }
}
