import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// Detection one code family at a time gives what detection over the whole trade gives: the same
/// findings in the same order, the same cases and the same unjudged census.
@Suite("family detection") struct FamilyDetectionTests {
    /// Runs `FamilyDetection` over `rows`, one unit at a time, units in `order`'s order.
    static func byFamily(_ rows: [(row: TradeRow, source: String)], precedence: SourcePrecedence, controls: [ExportControl],
                         commodities: [CommodityRow], countries: [Country], order: ([String]) -> [String]) throws
        -> (findings: [Anomaly], cases: [TradeCase], unjudged: [String: Int], families: Int) {
        var outline = TradeOutline()
        for (row, source) in rows {
            outline.add(source: source, reporter: row.reporter, partner: row.partner, flow: row.flow, hsCode: row.hsCode, period: row.period)
        }
        var detection = FamilyDetection(outline: outline, precedence: precedence, exportControls: controls,
                                        commodities: commodities, countries: countries)
        let byUnit = Dictionary(grouping: rows) { detection.units.unit(of: $0.row.hsCode) }
        for unit in order(Array(byUnit.keys)) {
            var builder = TradeCubeBuilder()
            for item in byUnit[unit]!.sorted(by: { $0.source != $1.source ? $0.source < $1.source : TradeCube.canonicalOrder($0.row, $1.row) }) {
                builder.add(item.row, source: item.source)
            }
            try detection.add(builder)
        }
        let headers = try detection.finish()
        #expect(headers.allSatisfy { $0.evidence == .null }, "findings wait without their evidence")
        let findings = try headers.indices.map { try StoredEvidence.decode(detection.evidence($0), into: headers[$0]) }
        return (findings, detection.cases(headers), detection.unjudged, detection.families)
    }

    @Test func plantedWorldGivesTheSameFindingsCasesAndCensusFamilyByFamily() throws {
        var generator = PlantedWorldGenerator(seed: PlantedEventsTests.seed)
        let world = generator.generate()
        let input = try world.input()
        let whole = DetectorSuite.run(input)
        let parts = try Self.byFamily(world.rows, precedence: world.precedence, controls: world.controls,
                                  commodities: try Fx.commodities(), countries: world.countries, order: { $0.sorted(by: >) })
        #expect(parts.families > 1)
        #expect(Set(whole.map(\.detector)).count >= 6, "the world exercises the detectors")
        #expect(parts.findings.count == whole.count)
        #expect(parts.findings == whole)
        #expect(parts.cases == CaseBuilder.cases(whole, input: input))
        #expect(parts.unjudged == Unjudged.census(input))
    }

    /// A chapter declared as a 2-digit code is a prefix of its headings' codes: the chapter is one unit.
    @Test func aChapterDeclaredAsTwoDigitsIsOneUnit() {
        var outline = TradeOutline()
        outline.add(source: "s", reporter: "XAA", partner: "XBB", flow: .export, hsCode: "28", period: Period(year: 2020))
        outline.add(source: "s", reporter: "XAA", partner: "XBB", flow: .export, hsCode: "850511", period: Period(year: 2020))
        let units = FamilyDetection(outline: outline, precedence: SourcePrecedence()).units
        #expect(units.unit(of: "284690") == "28")
        #expect(units.unit(of: "2805") == "28")
        #expect(units.unit(of: "850511") == "8505")
    }
}
