import Foundation
import Testing
import TradeCore
import TradeRunner
import TradeWarehouse

/// `query` streams its rows, stops at its time limit, and `detectors.yaml` numbers are range-checked.
@Suite struct QueryStreamingTests {
    /// An empty, migrated warehouse in a throw-away folder.
    static func emptyWarehouse() throws -> (root: URL, path: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tw-query-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = root.appendingPathComponent("w.sqlite").path
        _ = try Warehouse(path: path)
        return (root, path)
    }

    static let rows = 30_000
    static let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows)) SELECT i, 'row ' || i AS label FROM n"

    /// The output reaches the writer in bounded chunks while the rows are read, in every format,
    /// instead of as one string after the whole result is in memory.
    @Test(arguments: [QueryOutputFormat.csv, .tsv, .markdown, .json, .table])
    func queryOutputIsStreamedInBoundedChunks(format: QueryOutputFormat) throws {
        let (root, path) = try Self.emptyWarehouse()
        defer { try? FileManager.default.removeItem(at: root) }
        var chunks: [Int] = []
        var text = Data()
        try Inspector(warehousePath: path).query(Self.sql, format: format) { chunk in
            chunks.append(chunk.count)
            text.append(chunk)
        }
        // Every row line is under 40 bytes, so a chunk holds at most 64 KiB plus one line.
        #expect(chunks.count > 5, "\(format): \(chunks.count) chunk(s)")
        #expect(chunks.max()! < (1 << 16) + 100, "\(format): largest chunk \(chunks.max()!) bytes")
        let output = String(decoding: text, as: UTF8.self)
        switch format {
        case .csv:
            #expect(output == "i,label\n" + (1...Self.rows).map { "\($0),row \($0)\n" }.joined())
        case .tsv:
            #expect(output == "i\tlabel\n" + (1...Self.rows).map { "\($0)\trow \($0)\n" }.joined())
        case .markdown:
            #expect(output == "| i | label |\n| --- | --- |\n" + (1...Self.rows).map { "| \($0) | row \($0) |\n" }.joined())
        case .json:
            let objects = try #require(try JSONSerialization.jsonObject(with: text) as? [[String: Any]])
            #expect(objects.count == Self.rows)
            #expect(objects.last?["i"] as? Int == Self.rows && objects.last?["label"] as? String == "row \(Self.rows)")
        case .table:
            // Widths come from the first 1,000 rows ("1000", "row 1000"); a wider cell later pushes its line.
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.count == 2 + Self.rows + 1)
            #expect(Array(lines.prefix(3)) == ["i     label", "----  --------", "1     row 1"])
            #expect(lines[2 + 999] == "1000  row 1000")
            #expect(lines[2 + Self.rows - 1] == "30000  row 30000")
            #expect(lines.last == "(30000 rows)")
        }
    }

    /// JSON as before: an array of pretty-printed objects, keys sorted, strings escaped, integers exact.
    @Test func queryJSONIsPrettyPrintedWithSortedKeys() throws {
        let (root, path) = try Self.emptyWarehouse()
        defer { try? FileManager.default.removeItem(at: root) }
        let inspector = Inspector(warehousePath: path)
        let json = try inspector.query(#"SELECT 9007199254740993 AS b, 'x/"y' || char(10) AS a, NULL AS c, 2.5 AS d, 3.0 AS e"#,
                                       format: .json)
        #expect(json == """
            [
              {
                "a" : "x/\\"y\\n",
                "b" : 9007199254740993,
                "c" : null,
                "d" : 2.5,
                "e" : 3
              }
            ]

            """)
        #expect(try inspector.query("SELECT 1 AS a WHERE 0", format: .json) == "[]\n")
        #expect(try inspector.query("SELECT 1 AS a WHERE 0", format: .table) == "a\n-\n(0 rows)\n")
    }

    /// An endless recursive CTE stops at the time limit with an error that says so.
    @Test func queryStopsAtItsTimeLimit() throws {
        let (root, path) = try Self.emptyWarehouse()
        defer { try? FileManager.default.removeItem(at: root) }
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
        let error = #expect(throws: Diagnostic.self) {
            _ = try Inspector(warehousePath: path).query(endless, format: .csv, timeLimit: 1)
        }
        #expect(error?.message == "query stopped: time limit of 1 s reached (--timeout)")
        // A query that ends in time is not affected.
        #expect(try Inspector(warehousePath: path).query("SELECT 2", format: .csv, timeLimit: 1) == "2\n2\n")
    }

    /// `baseline_years: 1e19` is a located error at that key, not a trap converting it to Int; so is
    /// every out-of-range whole number, and the error points at the key refused, not the first one.
    @Test(arguments: ["1e19", "-1e19", "9.3e18", "1e308", "51"])
    func hugeDetectorNumberIsALocatedError(value: String) throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { try? FileManager.default.removeItem(at: ws.root) }
        try ws.write("Pipelines/detectors.yaml", "volume_spike:\n  min_tonnes: 5\n  baseline_years: \(value)\n")
        let error = #expect(throws: Diagnostic.self) { _ = try ws.pipeline().detect() }
        let shown = value == "51" ? "51" : "\(Double(value)!)"
        #expect(error?.description == ws.path("Pipelines") + "/detectors.yaml:3:19: error: invalid value \(shown) for 'volume_spike.baseline_years': must be a whole number between 1 and 50")
    }
}

extension Inspector {
    /// The whole rendered result of the streaming `query` as one string.
    func query(_ sql: String, format: QueryOutputFormat, timeLimit: Double? = nil) throws -> String {
        var out = Data()
        try query(sql, format: format, timeLimit: timeLimit) { out.append($0) }
        return String(decoding: out, as: UTF8.self)
    }
}
