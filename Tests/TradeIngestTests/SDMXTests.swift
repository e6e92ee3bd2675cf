import Foundation
import Testing
import TradeCore
import TradeConfig
@testable import TradeIngest

private typealias F = FormatsFixtures

@Suite struct SDMXTests {
    let observations = F.definition(.sdmx, options: ["kind": .scalar("observations")])

    /// ECB generic message: 252 `<generic:Obs>` (grep -c), one series M.USD.EUR.SP00.A.
    @Test func ecbGeneric() throws {
        let out = try F.read(SDMXReader(), F.file("sdmx/ECB_EXR_M.USD.EUR.SP00.A-generic.xml"), observations)
        let obs = F.observations(out)
        #expect(out.count == 252)
        #expect(obs.count == 252)
        let first = try #require(obs.first)
        #expect(first.dataset == "ECB_EXR1")
        #expect(first.seriesKey == "M.USD.EUR.SP00.A")
        #expect(first.period == "1999-01")
        #expect(first.value == 1.16078)
        #expect(first.status == "A")
        #expect(first.rawLine == 32)
        #expect(obs.last?.period == "2019-12")
        #expect(obs.last?.value == 1.111345)
    }

    /// Eurostat structure-specific: 4 `<Obs ` (grep), dataset from the header DataSetID.
    @Test func eurostatStructureSpecific() throws {
        let out = try F.read(SDMXReader(), F.file("sdmx/ESTAT_NAMA_10_GDP-structurespecific.xml"), observations)
        let obs = F.observations(out)
        #expect(obs.count == 4)
        #expect(obs.map(\.dataset) == Array(repeating: "NAMA_10_GDP", count: 4))
        #expect(obs.first?.seriesKey == "LU.B1GQ.CP_MEUR.A")
        #expect(obs.map(\.period) == ["2012", "2013", "2014", "2015"])
        #expect(obs.last?.value == 54142.3)
        #expect(obs.first?.rawLine == 18)
    }

    /// IMF structure-specific time series: 1 Obs; UNIT_MULT/TIME_FORMAT are attributes, not key dimensions.
    @Test func imfTimeSeries() throws {
        let out = try F.read(SDMXReader(), F.file("sdmx/IMF_PCPS-structurespecific-timeseries.xml"), observations)
        let obs = try #require(F.observations(out).first)
        #expect(out.count == 1)
        #expect(obs.dataset == "PCPS")
        #expect(obs.seriesKey == "M.W00.PZINC.USD")
        #expect(obs.period == "2021-01")
        #expect(obs.value == 2705.345)
    }

    @Test func explicitSeriesKeyOption() throws {
        let def = F.definition(.sdmx, options: ["series_key": .list([F.scalar("COMMODITY"), F.scalar("REF_AREA")]),
                                                "dataset": .scalar("IMF-PCPS")])
        let out = try F.read(SDMXReader(), F.file("sdmx/IMF_PCPS-structurespecific-timeseries.xml"), def)
        #expect(F.observations(out).first?.seriesKey == "PZINC.W00")
        #expect(F.observations(out).first?.dataset == "IMF-PCPS")
    }

    static let comextOptions: [String: YAMLValue] = [
        "kind": .scalar("trade"),
        "flow_codes": .map(["1": F.scalar("import"), "2": F.scalar("export")]),
        "unit_scales": .map([
            "QUANTITY_IN_100KG": F.map(["measure": F.scalar("quantity_kg"), "factor": F.scalar("100")]),
            "VALUE_IN_EUROS": F.map(["measure": F.scalar("value"), "currency": F.scalar("EUR")]),
        ]),
    ]

    /// 12 Obs: 3 quantity/value pairs merged, 2 unmatched halves, 4 rejected.
    @Test func comextTrade() throws {
        let out = try F.read(SDMXReader(), F.file("sdmx/comext-sample-structurespecific.xml"),
                             F.definition(.sdmx, options: Self.comextOptions))
        let trades = F.trades(out), rejected = F.rejected(out)
        #expect(trades.count == 5)
        #expect(rejected.count == 4)

        let nl = try #require(trades.first { $0.reporter == "NLD" && $0.period == Period(year: 2024, month: 1) })
        #expect(nl.partner == "CHN")
        #expect(nl.flow == .import)
        #expect(nl.hsCode == "28469090")
        #expect(nl.quantityKg == 1250)
        #expect(nl.quantityEstimated)        // OBS_STATUS E on the quantity
        #expect(nl.valueUSD == 150000 / 0.92)
        #expect(nl.valuation == .cif)
        #expect(nl.rawLine == 16)

        let nlFeb = try #require(trades.first { $0.reporter == "NLD" && $0.period == Period(year: 2024, month: 2) })
        #expect(nlFeb.quantityKg == 800)
        #expect(nlFeb.valueUSD == 90000 / 0.925)

        let de = try #require(trades.first { $0.reporter == "DEU" })
        #expect(de.quantityKg == 30000 && de.valueUSD == 2_500_000 / 0.92 && de.hsCode == "85051110")

        let gr = try #require(trades.first { $0.reporter == "GRC" })   // Eurostat "EL"
        #expect(gr.partner == "TUR" && gr.flow == .export && gr.quantityKg == nil && gr.valueUSD == 1000 / 0.92)
        #expect(gr.valuation == .fob)

        let dec = try #require(trades.first { $0.period == Period(year: 2023, month: 12) })
        #expect(dec.quantityKg == 500 && dec.valueUSD == nil)  // its EUR value has no rate

        #expect(rejected.contains { $0.reason.contains("no EUR/USD rate for 2023-12") })
        #expect(rejected.contains { $0.reason.contains("no value") && $0.location.line == 26 })
        #expect(rejected.contains { $0.reason.contains("partner QY") })
        #expect(rejected.contains { $0.reason.contains("flow \"3\"") })
        #expect(rejected.allSatisfy { $0.rawText.contains("OBS_VALUE=") })
    }

    /// The merge buffer is bounded: a half whose series was closed (the buffer held more than
    /// `maxPending` observations) before the other measure arrived is emitted alone, and memory
    /// stays bounded; with room, the same message merges.
    @Test(arguments: [(100_000, 3), (2, 5)])
    func mergeBufferIsBounded(maxPending: Int, expectedRows: Int) throws {
        let xml = """
        <m:StructureSpecificData xmlns:m="x"><m:DataSet>
        <Series reporter="NL" partner="CN" product="28469090" flow="1" indicators="QUANTITY_IN_100KG">
        <Obs TIME_PERIOD="2024-01" OBS_VALUE="1"/><Obs TIME_PERIOD="2024-02" OBS_VALUE="2"/></Series>
        <Series reporter="DE" partner="CN" product="28469090" flow="1" indicators="QUANTITY_IN_100KG">
        <Obs TIME_PERIOD="2024-01" OBS_VALUE="3"/></Series>
        <Series reporter="NL" partner="CN" product="28469090" flow="1" indicators="VALUE_IN_EUROS">
        <Obs TIME_PERIOD="2024-01" OBS_VALUE="920"/><Obs TIME_PERIOD="2024-02" OBS_VALUE="925"/></Series>
        </m:DataSet></m:StructureSpecificData>
        """
        let definition = F.definition(.sdmx, options: Self.comextOptions)
        var mapping = try SDMXTradeMapping(definition: definition)
        mapping.maxPending = maxPending
        var out: [RowOutcome] = []
        let handler = try SDMXHandler(file: RawFile(url: URL(fileURLWithPath: "/dev/null"), displayPath: "Raw/sdmx/m.xml"),
                                      definition: definition, reference: F.reference, trade: mapping) { out.append($0) }
        let parser = XMLStreamParser(displayPath: "Raw/sdmx/m.xml", handler: handler)
        try parser.feed(Data(xml.utf8))
        try parser.finish()
        try handler.finish()
        let trades = F.trades(out)
        #expect(trades.count == expectedRows)
        #expect(F.rejected(out).isEmpty)
        let nl = trades.filter { $0.reporter == "NLD" }
        if maxPending > 10 {
            #expect(nl.map(\.quantityKg) == [100, 200])
            #expect(nl.map(\.valueUSD) == [1000, 1000])
            #expect(nl.map(\.rawLine) == [3, 3])
        } else {
            #expect(nl.filter { $0.quantityKg != nil && $0.valueUSD != nil }.isEmpty)
            #expect(nl.compactMap(\.quantityKg) == [100, 200])
        }
    }

    /// SDMX values meet the number grammar of the other sources: a trade figure is a finite,
    /// non-negative decimal; a statistical series may be negative but never infinite, NaN text or hex.
    @Test func observationValuesMeetTheNumberGrammar() throws {
        func read(_ values: [String], definition: SourceDefinition, indicator: String) throws -> [RowOutcome] {
            let obs = values.enumerated().map { #"<Obs TIME_PERIOD="2024-0\#($0.offset + 1)" OBS_VALUE="\#($0.element)"/>"# }
            let xml = """
            <m:StructureSpecificData xmlns:m="x"><m:DataSet>
            <Series reporter="NL" partner="CN" product="28469090" flow="1" indicators="\(indicator)">
            \(obs.joined(separator: "\n"))
            </Series></m:DataSet></m:StructureSpecificData>
            """
            let url = try TestSupport.temporaryFile(xml, name: "values.xml")
            return try F.read(SDMXReader(), RawFile(url: url, displayPath: "Raw/sdmx/values.xml"), definition)
        }
        let trade = try read(["inf", "-5", "0x10", "1e309", "12.5"], definition: F.definition(.sdmx, options: Self.comextOptions),
                             indicator: "QUANTITY_IN_100KG")
        #expect(F.rejected(trade).map(\.reason) == [
            "OBS_VALUE \"inf\" is not a finite number", "OBS_VALUE \"-5\" is negative", "OBS_VALUE \"0x10\" is not a number",
            "OBS_VALUE \"1e309\" is not a finite number",
        ])
        #expect(F.trades(trade).map(\.quantityKg) == [1250])
        let series = try read(["-1.5", "inf", "2"], definition: F.definition(.sdmx), indicator: "X")
        #expect(F.observations(series).map(\.value) == [-1.5, 2])
        #expect(F.rejected(series).map(\.reason) == ["OBS_VALUE \"inf\" is not a finite number"])
    }

    /// `DecimalText.double` reads bytes exactly as `Double(String)` does, on its fast path and off it.
    @Test func decimalTextMatchesDouble() {
        let samples = ["0", "4.9", "-12.5", "+3", "007", ".5", "5.", "123456789012345", "1234567890123456789",
                       "0.1234567890123456789012345", "1e5", "1E-3", "nan", "inf", "-", ".", "", " 1", "1 ", "1,5",
                       "0x1p3", "12.5.1", "9007199254740993", "2.675", "1e400", "-0"]
        for text in samples {
            let bytes = Array(text.utf8)
            let ours = bytes.withUnsafeBufferPointer { DecimalText.double($0) }
            let swift = Double(text)
            #expect(ours?.bitPattern == swift?.bitPattern || (ours?.isNaN == true && swift?.isNaN == true), "\(text)")
        }
    }

    @Test func tradeNeedsUnitScales() throws {
        let def = F.definition(.sdmx, options: ["kind": .scalar("trade")])
        #expect(throws: Diagnostic.self) {
            _ = try F.read(SDMXReader(), F.file("sdmx/comext-sample-structurespecific.xml"), def)
        }
    }
}
