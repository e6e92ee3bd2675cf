import TradeCore

extension TradeCube {
    /// One series of a `TradeCube`: cells by period, kept as two sorted arrays.
    ///
    /// The cube holds one per declarer, flow, code and partner — tens of millions of cells for a large
    /// warehouse. A `[Period: Cell]` dictionary per series cost about 300 bytes a cell (hash table slack
    /// and per-table headers); sorted arrays cost the 72 bytes of the period and the cell. Rows reach the
    /// builder in period order, so building appends; lookups are binary searches.
    ///
    /// The API is the part of Dictionary's the detectors use, with one difference that only helps:
    /// `keys`, `values` and iteration come in period order.
    struct Series: Sendable, Sequence, ExpressibleByDictionaryLiteral {
        /// Sorted, unique.
        private(set) var keys: [Period] = []
        /// `values[i]` is the cell of `keys[i]`.
        private(set) var values: [Cell] = []

        init() {}

        init(dictionaryLiteral elements: (Period, Cell)...) {
            for (period, cell) in elements { self[period] = cell }
        }

        var isEmpty: Bool { keys.isEmpty }
        var count: Int { keys.count }

        /// Where `period` is, or where it would be inserted to keep `keys` sorted.
        @inline(__always)
        private func position(of period: Period) -> (index: Int, found: Bool) {
            // Appending in period order is the common case: check the end first.
            if let last = keys.last {
                if last == period { return (keys.count - 1, true) }
                if last < period { return (keys.count, false) }
            } else {
                return (0, false)
            }
            let i = keys.sortedInsertionIndex(of: period)
            return (i, i < keys.count && keys[i] == period)
        }

        subscript(period: Period) -> Cell? {
            get {
                let (i, found) = position(of: period)
                return found ? values[i] : nil
            }
            set {
                let (i, found) = position(of: period)
                switch (found, newValue) {
                case (true, let cell?): values[i] = cell
                case (true, nil):
                    keys.remove(at: i)
                    values.remove(at: i)
                case (false, let cell?):
                    keys.insert(period, at: i)
                    values.insert(cell, at: i)
                case (false, nil): break
                }
            }
        }

        subscript(period: Period, default defaultValue: @autoclosure () -> Cell) -> Cell {
            get { self[period] ?? defaultValue() }
            set { self[period] = newValue }
        }

        struct Iterator: IteratorProtocol {
            fileprivate let series: Series
            fileprivate var index = 0

            mutating func next() -> (key: Period, value: Cell)? {
                guard index < series.keys.count else { return nil }
                defer { index += 1 }
                return (series.keys[index], series.values[index])
            }
        }

        func makeIterator() -> Iterator { Iterator(series: self) }

        var underestimatedCount: Int { keys.count }
    }
}
