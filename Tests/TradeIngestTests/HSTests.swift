import Foundation
import Testing
import TradeConfig
import TradeCore
@testable import TradeIngest

@Test func harmonizedSystemLoads() throws {
    let def = TestSupport.definition(.hsNomenclatureCSV)
    let r = try TestSupport.read(HSNomenclatureCSVReader { HSNomenclatureNormalizer() },
                                 url: TestSupport.fixture("hs/harmonized-system.csv"), display: "Raw/hs/harmonized-system.csv",
                                 definition: def)
    #expect(r.summary.records == 6940)
    #expect(r.commodities.count == 6939)
    // TOTAL is rejected with its reason; 99/9999/999999 load.
    let total = try #require(r.rejected.first)
    #expect(r.rejected.count == 1)
    #expect(total.location == SourceLocation(file: "Raw/hs/harmonized-system.csv", line: 6941, column: 7))
    #expect(total.reason.hasPrefix("TOTAL is Comtrade's all-commodities aggregate"))
    #expect(r.commodities.contains { $0.code == "999999" && $0.level == 6 && $0.parent == "9999" })
    let chapter = try #require(r.commodities.first { $0.code == "01" })
    #expect(chapter.parent == nil && chapter.level == 2 && chapter.descriptionEN == "Animals; live" && chapter.nomenclature == "hs2022")
    let metals = try #require(r.commodities.first { $0.code == "280530" })
    #expect(metals.parent == "2805" && metals.elements == ["*"] && metals.rawLine > 1425)
    #expect(r.summary.isBalanced)
}

@Test func commodityCodeListLoads() throws {
    let def = TestSupport.definition(.commodityCodesCSV)
    let r = try TestSupport.read(CommodityCodesCSVReader { CommodityCodesNormalizer() },
                                 url: TestSupport.fixture("reference/rare_earth_codes.csv"),
                                 display: "Pipelines/reference/rare_earth_codes.csv", definition: def)
    #expect(r.rejected.isEmpty)
    let eu = try #require(r.commodities.first { $0.code == "28469014" })
    #expect(eu.elements == ["Eu"] && eu.descriptionZH == "氧化铕" && eu.nomenclature == "cn8" && eu.parent == "284690" && eu.level == 8)
    #expect(r.commodities.first { $0.code == "280530" }?.nomenclature == "hs")
}
