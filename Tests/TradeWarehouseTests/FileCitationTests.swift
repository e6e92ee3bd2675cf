import Foundation
import Testing
import TradeCore
@testable import TradeWarehouse

/// A finding cites the raw files holding current lines of its declarer, flow, code and periods: a
/// file whose matching lines a newer file replaced is not cited, one with a current matching line is.
@Suite struct FileCitationTests {
    func load(_ warehouse: Warehouse, _ path: String, _ n: Int, _ rows: [RowOutcome]) throws {
        let run = try warehouse.beginRun(command: "load")
        _ = try warehouse.loadFile(file(path, n), source: "comtrade", runID: run) { try $0.add(contentsOf: rows) }
    }

    func cite(_ warehouse: Warehouse, partner: String?, from: String, to: String) throws -> [String] {
        try warehouse.rawFiles(source: "comtrade", declarer: "CHN", flow: .export, codePrefix: "2846", partner: partner,
                               from: from, to: to)
    }

    @Test func supersededLinesAreNotCitedCurrentOnesAre() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try load(warehouse, "Raw/ct/a.csv", 1, [
            trade("2024-01", "CHN", "USA", "284690", kg: 1, usd: 1, line: 2),
            trade("2024-02", "CHN", "USA", "284690", kg: 1, usd: 1, line: 3),
            trade("2024-01", "CHN", "JPN", "284690", kg: 1, usd: 1, line: 4),
        ])
        // b.csv declares CHN→USA 2024-01 again: a.csv's line of that key is superseded.
        try load(warehouse, "Raw/ct/b.csv", 2, [
            trade("2024-01", "CHN", "USA", "284690", kg: 2, usd: 1, line: 2),
            trade("2024-03", "CHN", "KOR", "280530", kg: 2, usd: 1, line: 3),
        ])
        #expect(try cite(warehouse, partner: "USA", from: "2024-01", to: "2024-01") == ["Raw/ct/b.csv"])
        #expect(try cite(warehouse, partner: "USA", from: "2024-01", to: "2024-02") == ["Raw/ct/a.csv", "Raw/ct/b.csv"])
        #expect(try cite(warehouse, partner: nil, from: "2024", to: "2024") == ["Raw/ct/a.csv", "Raw/ct/b.csv"])
        #expect(try cite(warehouse, partner: "KOR", from: "2024", to: "2024").isEmpty, "b.csv's KOR line is another code")
        // A new version of a.csv without its lines: only b.csv is left.
        try load(warehouse, "Raw/ct/a.csv", 3, [trade("2023-05", "CHN", "USA", "284690", kg: 1, usd: 1, line: 2)])
        #expect(try cite(warehouse, partner: nil, from: "2024", to: "2024") == ["Raw/ct/b.csv"])
        #expect(try cite(warehouse, partner: "USA", from: "2023", to: "2023") == ["Raw/ct/a.csv"])
    }
}
