import GRDB
import GRDBSQLite
import TradeCore

/// The reads of detection (`FamilyDetection`): every current row once, with the file it came from.
extension Warehouse {
    /// Visits every current trade row in table order (the order files were loaded, no sort), with
    /// its source and the id of the raw file it came from: detection's one pass over the trade.
    public func forEachCurrentTradeRowWithFile(_ body: (TradeRow, _ source: String, _ file: Int64) throws -> Void) throws {
        try read("cannot read trade rows") { db in
            let statement = try db.makeStatement(sql: """
                SELECT \(Self.tradeRowColumns), source, file_id
                FROM trade_observation WHERE superseded_by_file IS NULL
                """)
            // Consecutive rows mostly share their source: reuse that string.
            var source = ""
            try Self.stepRows(db, statement: statement) { h in
                Self.reuse(&source, h, 11)
                try body(try Self.tradeRow(h), source, sqlite3_column_int64(h, 12))
            }
        }
    }

    /// The path of every raw file ever loaded, by id (what a finding's evidence cites).
    public func rawFilePaths() throws -> [Int64: String] {
        try read("cannot read the raw files") { db in
            var paths: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, path FROM raw_file") { paths[row["id"]] = row["path"] }
            return paths
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
