import Foundation
import Testing
import TradeRunner

/// Every reader through `tradewatch run`'s path (scanner → reader → loader), with counts
/// worked out independently of the readers (by hand from the files, or by counting markers).
@Suite(.serialized) struct EveryFormatTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/TradeIngestTests/Fixtures")

    @Test func everyFormatLoadsThroughRun() throws {
        let ws = try Workspace.make(rawFolders: ["usgs-mcs", "hs"])
        defer { ws.remove() }
        let fm = FileManager.default
        func place(_ fixture: String, as raw: String) throws {
            try ws.write(raw, try Data(contentsOf: Self.fixtures.appendingPathComponent(fixture)))
        }
        try place("sdmx/ECB_EXR_M.USD.EUR.SP00.A-generic.xml", as: "Raw/sdmx/ECB_EXR_M.USD.EUR.SP00.A-generic.xml")
        try place("sdmx/comext-sample-structurespecific.xml", as: "Raw/sdmx/comext-2024.xml")
        try place("comtrade/monthly-sample.json", as: "Raw/comtrade/monthly-sample.json")
        try place("comtrade/us-china-2846-280530-2020-2021.csv", as: "Raw/comtrade/us-china-2846-280530-2020-2021.csv")
        // A China customs workbook (imports, so the file name sets the flow), 40 rows.
        try fm.createDirectory(atPath: ws.path("Raw/china-customs"), withIntermediateDirectories: true)
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = ["python3", packageRoot.appendingPathComponent("tools/bench/gen_xlsx.py").path, "40",
                               ws.path("Raw/china-customs/imports-2024.xlsx"),
                               "--reference", packageRoot.appendingPathComponent("Pipelines/reference").path]
        try generator.run()
        generator.waitUntilExit()
        try #require(generator.terminationStatus == 0)

        let result = try ws.pipeline().run()
        #expect(result.status == .success, "\(result.summary)")
        func count(_ source: String) throws -> (loaded: Int, rejected: Int) {
            let row = try ws.rows("select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) from files where source = '\(source)' and superseded = 0")[0]
            return (Int(row[0])!, Int(row[1])!)
        }
        // ECB generic message: one observation per <generic:Obs> element.
        let ecb = try String(contentsOfFile: ws.path("Raw/sdmx/ECB_EXR_M.USD.EUR.SP00.A-generic.xml"), encoding: .utf8)
        #expect(try count("sdmx-ecb-fx").loaded == ecb.components(separatedBy: "<generic:Obs>").count - 1)
        #expect(try ws.scalar("select value from series_observations where period = '1999-01'") == "1.16078")
        // Comext-style message, by hand: NL imports 2023-12, 2024-01, 2024-02 (quantity and value
        // series merge into one row each), DE 2024-01 and EL→TR 2024-01 load; DE 2024-02 (":"),
        // partner QY (unknown) and flow 3 are rejected.
        #expect(try count("sdmx-comext") == (5, 3))
        #expect(try ws.scalar("select quantity_kg from trade where source = 'sdmx-comext' and reporter = 'NLD' and period = '2024-01'") == "1250.0")
        let usd = Double(try ws.scalar("select value_usd from trade where source = 'sdmx-comext' and reporter = 'NLD' and period = '2024-01'"))!
        #expect(abs(usd - 150_000 / 0.924) < 0.01)  // EUR at the 2024 annual rate of fx_rates.csv
        #expect(try ws.scalar("select partner from trade where source = 'sdmx-comext' and reporter = 'GRC'") == "TUR")
        // Comtrade JSON (hand-made: 11 records, 5 totals) and the real CSV extract (32 rows, all totals).
        #expect(try count("comtrade-json") == (5, 6))
        #expect(try count("comtrade") == (32, 0))
        // The workbook: every one of its 40 data rows is loaded or rejected.
        let xlsx = try count("china-customs-xlsx")
        #expect(xlsx.loaded + xlsx.rejected == 40)
        #expect(xlsx.loaded > 0)
        #expect(try ws.scalar("select distinct flow from trade where source = 'china-customs-xlsx'") == "import")
        // status lists every source, also those with no files yet.
        let status = try Inspector(warehousePath: ws.warehousePath, pipelinesDirectory: ws.path("Pipelines")).status().text
        for source in ["china-customs", "china-customs-xlsx", "comtrade", "comtrade-json", "sdmx-comext",
                       "sdmx-ecb-fx", "usgs-mcs-world", "usgs-mcs-salient", "hs"] {
            #expect(status.contains(source), "status does not list \(source)")
        }
    }
}
