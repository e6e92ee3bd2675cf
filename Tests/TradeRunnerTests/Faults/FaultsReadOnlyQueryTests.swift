import Foundation
import Testing

extension Faults {
    /// `tradewatch query` cannot change the warehouse or touch another file, whatever the SQL.
    @Suite struct ReadOnlyQuery {
        /// SQL an analyst (or an attacker with the analyst's shell history) might try.
        static let attempts: [String] = [
            "INSERT INTO run_ledger (command) VALUES ('x')",
            "DELETE FROM trade_observation",
            "UPDATE raw_file SET sha256 = 'x'",
            "DROP TABLE run_ledger",
            "CREATE TABLE t (x)",
            "ATTACH DATABASE 'attached.sqlite' AS a",
            "ATTACH 'file:attached2.sqlite?mode=rwc' AS a",
            "VACUUM INTO 'copy.sqlite'",
            "PRAGMA writable_schema = 1",
            "PRAGMA writable_schema=ON",
            "PRAGMA main.writable_schema = 1",
            "PRAGMA query_only = 0",
            "PRAGMA journal_mode = DELETE",
            "PRAGMA user_version = 99",
            "SELECT load_extension('/lib/x86_64-linux-gnu/libm.so.6')",
            "SELECT load_extension('./evil')",
            "SELECT 1; DELETE FROM trade_observation",
            "WITH x AS (SELECT 1) DELETE FROM trade_observation",
            "/* hidden */ insert into run_ledger (command) values ('x')",
            "REPLACE INTO run_ledger (id, command) VALUES (1, 'x')",
            "REINDEX",
            "ANALYZE",
            "BEGIN IMMEDIATE",
            "SELECT hex(fts3_tokenizer('simple'))",
        ]

        @Test func writesAttachPragmasAndExtensionsAreRefusedAndChangeNothing() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("readonly", rawFolders: [], files: ["comtrade/us-china-2846-280530-2020-2021.csv"])
            try #require(try ws.run("load").status == 0)
            func fingerprint() throws -> String {
                try ws.scalar("""
                    select (select count(*) from trade) || '/' || (select count(*) from runs) || '/' ||
                           (select group_concat(sha256) from files) || '/' || (select count(*) from sqlite_schema)
                    """)
            }
            let before = try fingerprint()
            let bytesBefore = FileManager.default.contents(atPath: ws.warehouseURL.path)
            let listingBefore = try FileManager.default.contentsOfDirectory(atPath: ws.root.path).sorted()
            let warehouseDirBefore = try FileManager.default.contentsOfDirectory(atPath: ws.warehouseURL.deletingLastPathComponent().path).sorted()

            for sql in Self.attempts {
                let outcome = try ws.run("query", [sql])
                #expect(outcome.status != 0, "\(sql) was accepted: \(outcome)")
                let message = outcome.stderr.lowercased()
                #expect(message.contains("refused") || message.contains("read-only") || message.contains("readonly")
                        || message.contains("not authorized") || message.contains("not allowed"),
                        "\(sql): unclear message \(outcome.stderr)")
                #expect(outcome.stderr.split(separator: "\n").count <= 3, "\(sql): message should be short: \(outcome.stderr)")
            }
            #expect(try fingerprint() == before)
            #expect(FileManager.default.contents(atPath: ws.warehouseURL.path) == bytesBefore, "the database file changed")
            #expect(try FileManager.default.contentsOfDirectory(atPath: ws.root.path).sorted() == listingBefore,
                    "a query created a file (ATTACH / VACUUM INTO?)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: ws.warehouseURL.deletingLastPathComponent().path).sorted()
                    == warehouseDirBefore)
            // Reading PRAGMAs still work.
            #expect(try ws.scalar("pragma integrity_check") == "ok")
            #expect(try ws.scalar("pragma writable_schema") == "0")
        }
    }
}
