import Foundation
import Testing
import TradeConfig
import TradeCore
@testable import TradeIngest

private func read(_ name: String, _ format: SourceFormat) throws -> TestSupport.Read {
    let def = TestSupport.definition(format)
    let reader = SourceReaders.reader(for: format)
    #expect(reader != nil)
    if format == .usgsWorldCSV {
        return try TestSupport.read(USGSWorldCSVReader { USGSWorldNormalizer() }, url: TestSupport.fixture("usgs/\(name)"),
                                    display: "Raw/usgs-mcs/\(name)", definition: def)
    }
    return try TestSupport.read(USGSSalientCSVReader { USGSSalientNormalizer() }, url: TestSupport.fixture("usgs/\(name)"),
                                display: "Raw/usgs-mcs/\(name)", definition: def)
}

private func stat(_ r: TestSupport.Read, _ country: String, _ year: Int, _ measure: String) -> MineralStat? {
    r.minerals.first { $0.country == country && $0.year == year && $0.measure == measure }
}

@Test func mcs2022WorldTable() throws {
    let r = try read("mcs2022-raree_world.csv", .usgsWorldCSV)
    // 17 country rows × 2 production years; nothing rejected.
    #expect(r.summary.records == 17 && r.rejected.isEmpty && r.minerals.count == 34 && r.summary.isBalanced)
    let china2021 = try #require(stat(r, "CHN", 2021, "mine_production"))
    #expect(china2021.value == 168_000 && china2021.estimated && china2021.unit == "t_REO" && china2021.rawLine == 8)
    let china2020 = try #require(stat(r, "CHN", 2020, "mine_production"))
    #expect(china2020.value == 140_000 && !china2020.estimated)
    #expect(stat(r, "MMR", 2020, "mine_production")?.value == 31_000)          // Burma
    #expect(stat(r, "OTH", 2021, "mine_production")?.value == 300)
    let world = try #require(stat(r, "WLD", 2021, "mine_production"))
    #expect(world.value == 280_000 && world.note == "rounded")
    #expect(stat(r, "USA", 2020, "mine_production")?.value == 39_000)
}

@Test func mcs2023WorldTableWithReservesAndNotes() throws {
    let r = try read("mcs2023-raree_world.csv", .usgsWorldCSV)
    #expect(r.summary.records == 17 && r.rejected.isEmpty && r.minerals.count == 51)
    // Reserves_t is dated to the edition's last production year (2022).
    #expect(stat(r, "CHN", 2022, "reserves")?.value == 44_000_000)
    #expect(stat(r, "WLD", 2022, "reserves")?.value == 130_000_000)
    let burmaReserves = try #require(stat(r, "MMR", 2022, "reserves"))
    #expect(burmaReserves.value == nil && burmaReserves.note == "NA: not available")
    #expect(stat(r, "CHN", 2022, "mine_production")?.value == 210_000)
    #expect(stat(r, "CHN", 2022, "mine_production")?.estimated == true)
    // "Estimated in 2021 also." marks the 2021 figure estimated; the US 2021 figure is not.
    let australia2021 = try #require(stat(r, "AUS", 2021, "mine_production"))
    #expect(australia2021.value == 24_000 && australia2021.estimated && australia2021.note == "Estimated in 2021 also.")
    #expect(stat(r, "USA", 2021, "mine_production")?.estimated == false)
    #expect(stat(r, "VNM", 2022, "mine_production")?.value == 4300)
    #expect(stat(r, "OTH", 2022, "reserves")?.value == 280_000)
}

@Test func worldTableQuirksFromOtherEditions() throws {
    // BOM, CRLF, trailing empty header cells, an all-comma blank row, "7,900", NA, an unknown country, a bad cell.
    let text = "\u{FEFF}Source,Country,Type,Prod_t_2020,Prod_t_est_2021,,,,\r\n"
        + "MCS20XX,Brazil,x,\"7,900\",NA,,,,\r\n"
        + ",,,,,,,,\r\n"
        + "MCS20XX,Atlantis,x,1,2,,,,\r\n"
        + "MCS20XX,India,x,>95,abc,,,,\r\n"
    let url = try TestSupport.temporaryFile(text, name: "mcs20XX-raree_world.csv")
    let r = try TestSupport.read(USGSWorldCSVReader { USGSWorldNormalizer() }, url: url, display: "Raw/w.csv",
                                 definition: TestSupport.definition(.usgsWorldCSV))
    #expect(stat(r, "BRA", 2020, "mine_production")?.value == 7900)
    #expect(stat(r, "BRA", 2021, "mine_production")?.value == nil)
    #expect(stat(r, "BRA", 2021, "mine_production")?.estimated == true)
    #expect(r.summary.blankRows == 1 && r.summary.records == 3)
    #expect(r.rejectedAt(line: 4)?.reason == "unknown country \"Atlantis\"")
    #expect(r.rejectedAt(line: 4)?.location == SourceLocation(file: "Raw/w.csv", line: 4, column: 9))
    #expect(r.rejectedAt(line: 5)?.reason == "\"abc\" in column Prod_t_est_2021 is not a number")
    #expect(r.rejectedAt(line: 5)?.location == SourceLocation(file: "Raw/w.csv", line: 5, column: 21))
    #expect(r.summary.rowsEmitted == 1 && r.summary.rowsRejected == 2 && r.summary.isBalanced)
}

@Test func mcs2022SalientTable() throws {
    let r = try read("mcs2022-raree_salient.csv", .usgsSalientCSV)
    #expect(r.summary.records == 5 && r.rejected.isEmpty)
    #expect(stat(r, "USA", 2020, "us_mine_production")?.value == 39_000)
    #expect(stat(r, "USA", 2021, "price_eu2o3_usd_per_kg")?.value == 31)
    #expect(stat(r, "USA", 2021, "price_eu2o3_usd_per_kg")?.unit == "USD/kg")
    #expect(stat(r, "USA", 2021, "us_imports_compounds")?.value == 7700)
    #expect(stat(r, "USA", 2019, "us_exports_ores_compounds")?.value == 28_300)
    #expect(stat(r, "USA", 2021, "us_consumption_compounds_metals")?.value == 6100)
    let nir = try #require(stat(r, "USA", 2021, "net_import_reliance_compounds_metals_pct"))
    #expect(nir.value == 90 && nir.note == ">90" && nir.unit == "percent")
    let exporter = try #require(stat(r, "USA", 2021, "net_import_reliance_concentrate_pct"))
    #expect(exporter.value == nil && exporter.note == "E: net exporter")
    #expect(stat(r, "USA", 2017, "net_import_reliance_concentrate_pct")?.note == "XX: not applicable")
    #expect(r.minerals.count == 5 * 19)
}

@Test func mcs2023SalientTable() throws {
    let r = try read("mcs2023-raree_salient.csv", .usgsSalientCSV)
    #expect(r.summary.records == 5 && r.rejected.isEmpty)
    #expect(stat(r, "USA", 2022, "us_mine_production")?.value == 43_000)
    #expect(stat(r, "USA", 2022, "price_eu2o3_usd_per_kg")?.value == 30)
    #expect(stat(r, "USA", 2022, "price_nd2o3_usd_per_kg")?.value == 130)
    #expect(stat(r, "USA", 2022, "net_import_reliance_compounds_metals_pct")?.value == 95)
}

@Test(arguments: [
    ("USprod_Concentrate_t", "us_mine_production"), ("Imports_Alloys_t", "us_imports_alloys"),
    ("Price_TbO2_dkg", "price_tbo2_usd_per_kg"), ("NIR_Compounds-Metals_t", "net_import_reliance_compounds_metals_pct"),
    ("Employment_num", "us_employment"),
])
func salientMeasureNames(header: String, measure: String) {
    #expect(USGSSalientNormalizer.measure(forHeader: header)?.measure == measure)
}
