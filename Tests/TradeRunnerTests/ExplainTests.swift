import Foundation
import Testing
import TradeCore
import TradeRunner

/// `tradewatch explain`: on the shipped sample, the europium new-partner finding's SQL returns
/// the rows its observed tonnage was summed from, and an unknown id is a usage error.
@Suite(.serialized) struct ExplainTests {
    static let europium = "detector = 'new_partner' and hs_code = '28469014' and partner = 'TUR'"

    @Test func explainedSQLReproducesTheObservedTonnage() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        #expect(try ws.pipeline().run().status == .success)
        let finding = try ws.rows("""
            select id, summary, json_extract(evidence, '$.observed_t'), json_extract(evidence, '$.observed.period')
            from anomalies where \(Self.europium)
            """)
        try #require(finding.count == 1)
        let (id, summary, observedT, year) = (finding[0][0], finding[0][1], Double(finding[0][2])!, finding[0][3])
        #expect(year == "2024")

        let text = try Inspector(warehousePath: ws.warehousePath).explain(findingID: Int64(id)!)
        #expect(text.contains(summary))
        #expect(text.contains("observed_t: "))
        let sqlLines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("SELECT period, quantity_kg, value_usd, source FROM trade WHERE") }
        try #require(sqlLines.count == 1, "\(text)")
        #expect(sqlLines[0].contains("partner = 'TUR'"))
        let rows = try ws.rows(sqlLines[0])
        let kg = rows.filter { $0[0].hasPrefix(year) }.compactMap { Double($0[1]) }.reduce(0, +)
        #expect(abs(kg - observedT * 1000) <= 0.5, "\(kg) kg vs \(observedT) t")

        // The raw lines named are the rows of that series, up to 20, and the rest are counted.
        let section = text.components(separatedBy: sqlLines[0])[1].components(separatedBy: "Series: ")[0]
        let listed = section.split(separator: "\n").filter { $0.hasPrefix("    ") && !$0.hasPrefix("    …") }
        #expect(listed.count == min(rows.count, 20), "\(section)")
        #expect(listed.allSatisfy { $0.contains(ws.path("Raw")) })
        if rows.count > 20 { #expect(text.contains("… and \(rows.count - 20) more")) }
    }

    @Test func caseExplainsItsFindingsAndUnknownIDsAreUsageErrors() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        #expect(try ws.pipeline().run().status == .success)
        let caseRow = try ws.rows("select case_id, summary from anomalies where \(Self.europium)")
        try #require(caseRow.count == 1 && !caseRow[0][0].isEmpty)
        let explained = try tradewatch(["explain", "--case", caseRow[0][0], "--warehouse", ws.warehousePath], in: ws.root)
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.hasPrefix("Case \(caseRow[0][0]), ranked "))
        #expect(explained.stdout.contains(caseRow[0][1]))

        for arguments in [["explain", "999999"], ["explain", "--case", "999999"]] {
            let unknown = try tradewatch(arguments + ["--warehouse", ws.warehousePath], in: ws.root)
            #expect(unknown.status == 2, "\(arguments): \(unknown.stderr)")
            #expect(unknown.stderr.contains("999999"), "\(unknown.stderr)")
        }
        let missing = try tradewatch(["explain", "1", "--warehouse", ws.path("nowhere.sqlite")], in: ws.root)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no warehouse at"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("nowhere.sqlite")))
    }
}
