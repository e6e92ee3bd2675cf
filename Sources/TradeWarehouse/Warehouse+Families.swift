import GRDB
import GRDBSQLite
import TradeCore

/// The reads of detection one code family at a time (`FamilyDetection`): an outline of the whole
/// trade, then the rows family by family.
extension Warehouse {
    /// Visits the key of every current trade row (source, reporter, partner, flow, code, period) in
    /// table order, without figures: the pass that outlines what the warehouse holds.
    public func forEachCurrentTradeKey(_ body: (_ source: String, _ reporter: String, _ partner: String, _ flow: Flow,
                                                _ hsCode: String, _ period: Period) throws -> Void) throws {
        try read("cannot read trade rows") { db in
            let statement = try db.makeStatement(sql: """
                SELECT source, reporter, partner, flow, hs_code, period
                FROM trade_observation WHERE superseded_by_file IS NULL
                """)
            // Consecutive rows mostly share their source, reporter and partner: reuse those strings.
            var source = "", reporter = "", partner = ""
            try Self.stepRows(db, statement: statement) { h in
                Self.reuse(&source, h, 0)
                Self.reuse(&reporter, h, 1)
                Self.reuse(&partner, h, 2)
                let flowText = Self.text(h, 3) ?? "", periodText = Self.text(h, 5) ?? ""
                guard let flow = Flow(rawValue: flowText), let period = Period(periodText) else {
                    throw Diagnostic("cannot read trade rows: unexpected period/flow \(periodText)/\(flowText)")
                }
                try body(source, reporter, partner, flow, Self.text(h, 4) ?? "", period)
            }
        }
    }

    /// Visits every current trade row ordered by code family — the first four digits of the code,
    /// so a chapter's codes (`28`, `284`, `2846…`) are consecutive too — then period. The second
    /// argument is the row's source. SQLite sorts on disk past its cache, so memory stays flat.
    public func forEachCurrentTradeRowByFamily(_ body: (TradeRow, String) throws -> Void) throws {
        try read("cannot read trade rows") { db in
            // Let SQLite's sorter use a second thread (a no-op where it was built single-threaded).
            try db.execute(sql: "PRAGMA threads = 2")
            try Self.visitTradeRows(db, sql: """
                SELECT \(Self.tradeRowColumns), source
                FROM trade_observation
                WHERE superseded_by_file IS NULL
                ORDER BY substr(hs_code, 1, 4), period
                """, body)
        }
    }

    /// Sets `value` to column `column`'s text unless it already is that text (no new string then).
    private static func reuse(_ value: inout String, _ h: OpaquePointer, _ column: Int32) {
        guard let bytes = sqlite3_column_text(h, column) else {
            value = ""
            return
        }
        let buffer = UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(h, column)))
        if !value.utf8.elementsEqual(buffer) { value = String(decoding: buffer, as: UTF8.self) }
    }
}
