import GRDB
import TradeCore

extension Warehouse {
    /// Loads one raw file in one transaction: `body` adds its rows to the sink; on success the file's
    /// previous version (same `key`, or an unkeyed one stored under the same `path`) and every older
    /// row with the same natural key are superseded.
    ///
    /// If `body` throws, nothing of the file is stored and the error is rethrown unchanged.
    /// `contentHash`, when given, is the file's SHA-256 computed while it loads (`file.sha256` is
    /// then not known yet); it is stored before the transaction commits.
    /// Natural keys: trade (source, period, reporter, partner, flow, hs_code); mineral stats
    /// (source, country, year, measure); series (dataset, series_key, period); commodity lines
    /// (nomenclature, code). The newest load wins.
    public func loadFile(_ file: FileIdentity, source: String, runID: Int64,
                         contentHash: (() throws -> String)? = nil,
                         _ body: (FileLoadSink) throws -> Void) throws -> FileLoadSummary {
        try write("cannot load \(file.path)") { db in
            // 8 MiB of page cache (SQLite's default is 2 MiB); it also sizes the sorter that builds
            // a bulk load's indexes. Temporary files stay on disk so memory stays flat at any file size.
            try db.execute(sql: "PRAGMA cache_size = -8192")
            let previous = try Self.currentVersionID(db, key: file.key, path: file.path)
            try db.execute(literal: """
                INSERT INTO raw_file (path, raw_key, source, sha256, size, mtime, run_id)
                VALUES (\(file.path), \(file.key), \(source), \(contentHash == nil ? file.sha256.lowercased() : Self.unknownHash),
                        \(file.size), \(file.mtime), \(runID))
                """)
            let fileID = db.lastInsertedRowID

            let sink = try FileLoadSink(db: db, fileID: fileID, runID: runID, source: source, path: file.path,
                                        fileSize: file.size)
            defer { sink.close() }
            try body(sink)
            sink.close()
            try sink.finish()

            var superseded = 0
            if let previous {
                for table in Self.observationTables {
                    try db.execute(sql: """
                        UPDATE \(table.name) SET superseded_by_file = ? WHERE file_id = ? AND superseded_by_file IS NULL
                        """, arguments: [fileID, previous])
                    superseded += db.changesCount
                }
                try db.execute(literal: """
                    UPDATE raw_file SET state = 'superseded', superseded_by = \(fileID) WHERE id = \(previous)
                    """)
            }
            for table in Self.observationTables where table.count(sink) > 0 {
                superseded += try Self.supersedeByNaturalKey(db, table: table, fileID: fileID)
            }
            // Rows superseded by natural key share their reporter-years with this file's rows.
            try Self.queueRollup(db, shapes: sink.reporterYearShapes, source: source, previousFile: previous)

            let sha256 = try contentHash?().lowercased() ?? file.sha256.lowercased()
            let loaded = sink.tradeRows + sink.mineralRows + sink.commodityRows + sink.observationRows
            try db.execute(literal: """
                UPDATE raw_file SET state = 'current', rows_loaded = \(loaded), rows_rejected = \(sink.rejectedRows),
                                    sha256 = \(sha256)
                WHERE id = \(fileID)
                """)
            return FileLoadSummary(fileID: fileID, rowsLoaded: loaded, rowsRejected: sink.rejectedRows,
                                   tradeRows: sink.tradeRows, mineralRows: sink.mineralRows,
                                   commodityRows: sink.commodityRows, observationRows: sink.observationRows,
                                   rowsSuperseded: superseded, replacedFileID: previous)
        }
    }

    /// What `raw_file.sha256` holds inside a load transaction until the content hash is known.
    private static let unknownHash = String(repeating: "0", count: 64)

    /// A table of loaded rows with a natural key, supersedable by a newer file.
    struct ObservationTable: Sendable {
        let name: String
        let key: [String]
        let count: @Sendable (FileLoadSink) -> Int
    }

    static let observationTables: [ObservationTable] = [
        ObservationTable(name: "trade_observation",
                         key: ["source", "period", "reporter", "partner", "flow", "hs_code"], count: { $0.tradeRows }),
        ObservationTable(name: "mineral_observation",
                         key: ["source", "country", "year", "measure"], count: { $0.mineralRows }),
        ObservationTable(name: "commodity_line", key: ["nomenclature", "code"], count: { $0.commodityRows }),
        ObservationTable(name: "series_value", key: ["dataset", "series_key", "period"], count: { $0.observationRows }),
    ]

    /// Set-based: every current row of another file whose natural key occurs in file `fileID`
    /// gets `superseded_by_file = fileID`. Driven by the new file's rows through the key index.
    private static func supersedeByNaturalKey(_ db: Database, table: ObservationTable, fileID: Int64) throws -> Int {
        // Nothing to supersede when no other file has current rows (a first load): skip the key probes.
        // Two range probes of the by-file index, not a scan of the new file's rows.
        let others = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM \(table.name) WHERE file_id < ?1 AND superseded_by_file IS NULL)
                OR EXISTS (SELECT 1 FROM \(table.name) WHERE file_id > ?1 AND superseded_by_file IS NULL)
            """, arguments: [fileID]) ?? false
        guard others else { return 0 }
        // Table and column names are constants of this module, never input.
        let join = table.key.map { "old.\($0) = new.\($0)" }.joined(separator: " AND ")
        try db.execute(sql: """
            UPDATE \(table.name) SET superseded_by_file = ?1
            WHERE id IN (
                SELECT old.id FROM \(table.name) AS new
                JOIN \(table.name) AS old ON \(join)
                WHERE new.file_id = ?1 AND old.file_id <> ?1 AND old.superseded_by_file IS NULL)
            """, arguments: [fileID])
        return db.changesCount
    }
}
