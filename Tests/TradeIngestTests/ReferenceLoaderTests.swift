import Foundation
import Testing
import TradeCore
import TradeTestSupport
@testable import TradeIngest

@Test func committedReferenceTablesLoad() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let ref = try ReferenceLoader.load(directory: root.appendingPathComponent("Pipelines/reference"),
                                       displayDirectory: "Pipelines/reference")
    #expect(ref.iso3(forName: "新加坡") == "SGP")
    #expect(ref.iso3(forName: "中国香港") == "HKG")
    #expect(ref.iso3(forName: "Burma") == "MMR")
    #expect(ref.iso3(forComtradeCode: "842") == "USA")
    #expect(ref.unitsPerUSD(currency: "CNY", period: Period(year: 2024, month: 7)) == 7.189)
    #expect(ref.unitsPerUSD(currency: "CNY", period: Period(year: 2021, month: 1)) == 6.449)
    #expect(ref.commodity(code: "28469014")?.elements == ["Eu"])
    #expect(ref.exportControls.first?.effective == "2025-04-04")
    #expect(ref.exportControls.count == 5)
}

@Test func badReferenceCellIsLocated() throws {
    let url = try TestSupport.temporaryFile("# comment\ncurrency,period,units_per_usd\nCNY,2024,7.189\nCNY,2024-13,7.1\n", name: "fx_rates.csv")
    let d = diagnostic { _ = try ReferenceLoader.loadFXRates(url: url, display: "Pipelines/reference/fx_rates.csv") }
    #expect(d?.description == "Pipelines/reference/fx_rates.csv:4:5: error: period \"2024-13\" is not YYYY or YYYY-MM")

    let countries = try TestSupport.temporaryFile("iso3,iso2,iso_numeric,comtrade_code,name_en,name_zh,aliases\nSG,SG,702,702,Singapore,新加坡,\n",
                                                  name: "countries.csv")
    let c = diagnostic { _ = try ReferenceLoader.loadCountries(url: countries, display: "countries.csv") }
    #expect(c?.location == SourceLocation(file: "countries.csv", line: 2, column: 1))

    let missing = try TestSupport.temporaryFile("currency,units_per_usd\nCNY,7\n", name: "fx_rates.csv")
    let m = diagnostic { _ = try ReferenceLoader.loadFXRates(url: missing, display: "fx_rates.csv") }
    #expect(m?.location == SourceLocation(file: "fx_rates.csv", line: 1, column: 1))
    #expect(m?.message.hasPrefix("required column \"period\"") == true)
}
