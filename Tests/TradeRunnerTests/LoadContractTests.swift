import Foundation
import Testing
import TradeCore
import TradeRunner
import Logging

/// The load contract of the spine issue: bad rows are rejected with file, line, column and
/// reason; bad files fail alone and located; a broken definition loads nothing; a revised
/// file supersedes what it loaded before, and the old figures stay queryable.
@Suite(.serialized) struct LoadContractTests {
    static let header = "数据年月,商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,第一数量,第一计量单位,第二数量,第二计量单位,美元\n"

    @Test func badRowsAreRejectedWithLocationAndTheRestLoads() throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        try ws.write("Raw/china-customs/exports-2024.csv", Self.header + """
            202401,28469014,氧化铕,,日本,5000,千克,,,143000
            202401,28469014,氧化铕,,德国,12x5,千克,,,1000
            202401,28469014,氧化铕,,法国,-3,千克,,,1000
            202313,28469014,氧化铕,,韩国,100,千克,,,1000
            202402,2846901,氧化铕,,韩国,100,千克,,,1000
            202402,28469014,氧化铕,,亚特兰蒂斯,100,千克,,,1000
            202402,28469014,氧化铕,,美国,100,千克,,,
            202402,28461010,氧化铈,,荷兰,2,吨,,,4000

            """)
        let result = try ws.pipeline().load()
        #expect(result.status == .success)
        let rejected = try ws.rows("select raw_line, raw_column, reason, column_name from rejected_rows order by raw_line")
        #expect(rejected.map { Int($0[0])! } == [3, 4, 5, 6, 7, 8])
        // Columns are 1-based characters where the offending field starts (editor convention):
        // "202401,28469014,氧化铕,,德国,12x5" puts the quantity at character 25.
        #expect(rejected.map { Int($0[1]) } == [25, 25, 1, 8, 22, 34])
        #expect(rejected.map(\.[3]) == ["第一数量", "第一数量", "数据年月", "商品编码", "贸易伙伴名称", "美元"])
        #expect(rejected[0][2].contains("12x5"))
        #expect(rejected[2][2].contains("202313"))
        #expect(rejected[4][2].contains("亚特兰蒂斯"))
        let loaded = try ws.rows("select partner, quantity_kg, value_usd from trade order by raw_line")
        #expect(loaded.map(\.[0]) == ["JPN", "NLD"])
        #expect(loaded[1][1] == "2000.0")  // 2 吨 = 2000 kg
        // Rows read = loaded + rejected, and the ledger counts the rejects.
        #expect(try ws.scalar("select rows_loaded || '+' || rows_rejected from runs") == "2+6")
        let raw = try ws.scalar("select raw_text from rejected_rows where raw_line = 3")
        #expect(raw.contains("德国,12x5"))
    }

    /// A period after the current month (the clock injected) is a rejected row with that reason;
    /// the current month itself loads.
    @Test func aPeriodAfterTheCurrentMonthIsRejected() throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        try ws.write("Raw/china-customs/exports-2025.csv", Self.header
            + "202506,28469014,氧化铕,,日本,5000,千克,,,143000\n"
            + "202507,28469014,氧化铕,,日本,5000,千克,,,143000\n"
            + "203101,28469014,氧化铕,,德国,100,千克,,,1000\n")
        var options = ws.options
        options.now = ISO8601DateFormatter().date(from: "2025-06-30T23:00:00Z")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        #expect(try CommandRunner(options: options, logger: logger).load().status == .success)
        #expect(try ws.rows("select period from trade") == [["2025-06"]])
        let rejected = try ws.rows("select raw_line, column_name, reason from rejected_rows order by raw_line")
        #expect(rejected == [["3", "period", "period 2025-07 is later than the current month (2025-06)"],
                             ["4", "period", "period 2031-01 is later than the current month (2025-06)"]])
        #expect(try ws.scalar("select rows_loaded || '+' || rows_rejected from runs") == "1+2")
    }

    @Test func badFilesFailAloneWithALocatedError() throws {
        let ws = try Workspace.make(rawFolders: ["usgs-mcs"])
        defer { ws.remove() }
        try ws.write("Raw/china-customs/exports-2024.csv", Self.header + "202401,28469014,氧化铕,,日本,5000,千克,,,143000\n")
        // Truncated mid-row inside a quoted field.
        try ws.write("Raw/china-customs/exports-2023.csv", Self.header + "202301,28469014,\"氧化铕,,日本,50")
        // Not decodable as the declared encoding: a UTF-16 BOM followed by an odd byte count.
        try ws.write("Raw/china-customs/exports-2022.csv", Data([0xFF, 0xFE, 0x41]))
        // Matches no source definition: a note is ignored by default, a data file is a warning.
        try ws.write("Raw/comtrade/notes.txt", "downloaded by hand\n")
        try ws.write("Raw/comtrade/partners.dat", "1,2,3\n")
        let result = try ws.pipeline().load()
        #expect(result.status == .failure)
        #expect(result.summary.contains("2 failed"), "\(result.summary)")
        let errors = try ws.rows("select path, message from file_errors order by path").map(\.[1])
        #expect(errors.count == 2)
        #expect(errors.contains { $0.contains("exports-2023.csv:2") && $0.contains("error:") })
        #expect(result.fields["unclaimed_files"] == .array([.string(ws.path("Raw/comtrade/partners.dat"))]))
        // The good files loaded; nothing of the bad ones did.
        #expect(try ws.scalar("select count(*) from trade") == "1")
        #expect(Int(try ws.scalar("select count(*) from mineral_stats"))! > 0)
        #expect(try ws.scalar("select count(*) from trade_history where raw_file like '%2023%' or raw_file like '%2022%'") == "0")
    }

    @Test func aBrokenDefinitionIsLocatedAndLoadsNothing() throws {
        let ws = try Workspace.make(rawFolders: ["usgs-mcs"])
        defer { ws.remove() }
        try ws.write("Pipelines/broken.yaml", "format: china-customs-csv\nfiles: [china-customs/*.csv\n")
        #expect {
            _ = try ws.pipeline().load()
        } throws: { error in
            "\(error)".contains("broken.yaml:") && "\(error)".contains("error:")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.warehousePath))
        try ws.write("Pipelines/broken.yaml", "format: china-customs-csvv\nfiles: china-customs/*.csv\n")
        let error = #expect(throws: Diagnostic.self) { _ = try ws.pipeline().load() }
        #expect(error?.location?.line == 1)
        #expect(error?.location?.column == 9)
    }

    @Test func aRevisedFileSupersedesAndHistoryKeepsTheOldFigure() throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        let file = "Raw/china-customs/exports-2024.csv"
        try ws.write(file, Self.header + "202401,28469014,氧化铕,,日本,5000,千克,,,143000\n202401,28469014,氧化铕,,韩国,700,千克,,,20000\n")
        _ = try ws.pipeline().load()
        // The publisher revises January's Japan figure; the file changes size and content.
        try ws.write(file, Self.header + "202401,28469014,氧化铕,,日本,5200,千克,,,150000\n202401,28469014,氧化铕,,韩国,700,千克,,,20000\n")
        let second = try ws.pipeline().load()
        #expect(second.summary.contains("1 loaded"))
        #expect(try ws.scalar("select quantity_kg from trade where partner = 'JPN'") == "5200.0")
        #expect(try ws.scalar("select count(*) from trade") == "2")
        let history = try ws.rows("select quantity_kg, superseded from trade_history where partner = 'JPN' order by loaded_at, superseded desc")
        #expect(history.map(\.[0]) == ["5000.0", "5200.0"])
        #expect(history.map(\.[1]) == ["1", "0"])
        // A re-published vintage under another name supersedes the same figures too.
        try ws.write("Raw/china-customs/exports-2024-v3.csv", Self.header + "202401,28469014,氧化铕,,韩国,900,千克,,,26000\n")
        _ = try ws.pipeline().load()
        #expect(try ws.scalar("select quantity_kg from trade where partner = 'KOR'") == "900.0")
        // Three versions of the Korea figure: the first file, its revision (unchanged 700), the vintage (900).
        #expect(try ws.rows("select quantity_kg, superseded from trade_history where partner = 'KOR' order by loaded_at").map(\.[1]) == ["1", "1", "0"])
    }
}
