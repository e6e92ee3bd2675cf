import Testing
import TradeCore
@testable import TradeAnalysis

/// The cube's compact series behave like the `[Period: Cell]` dictionaries they replaced.
@Suite struct TradeCubeSeriesTests {
    func cell(kg: Double) -> Cell {
        var c = Cell()
        c.kg = kg
        c.rows = 1
        return c
    }

    @Test func keepsPeriodsSortedWhateverTheInsertionOrder() {
        var series: TradeCube.Series = [:]
        let periods = [Period(year: 2024, month: 3), Period(year: 2023), Period(year: 2024, month: 1),
                       Period(year: 2024), Period(year: 2023, month: 12), Period(year: 2024, month: 2)]
        for (i, p) in periods.enumerated() { series[p] = cell(kg: Double(i)) }
        #expect(series.keys == periods.sorted())
        #expect(series.count == 6)
        #expect(series.map(\.key) == periods.sorted())
        for (i, p) in periods.enumerated() { #expect(series[p]?.kg == Double(i)) }
        #expect(series[Period(year: 2022)] == nil)
    }

    @Test func defaultSubscriptAddsAndNilRemoves() {
        var series: TradeCube.Series = [Period(year: 2024, month: 5): cell(kg: 1)]
        series[Period(year: 2024, month: 5), default: Cell()].add(cell(kg: 2))
        series[Period(year: 2024, month: 4), default: Cell()].add(cell(kg: 7))
        #expect(series[Period(year: 2024, month: 5)]?.kg == 3)
        #expect(series[Period(year: 2024, month: 5)]?.rows == 2)
        #expect(series.keys == [Period(year: 2024, month: 4), Period(year: 2024, month: 5)])
        series[Period(year: 2024, month: 4)] = nil
        series[Period(year: 2020)] = nil
        #expect(series.keys == [Period(year: 2024, month: 5)])
        #expect(series.values.map(\.kg) == [3])
        series[Period(year: 2024, month: 5)] = nil
        #expect(series.isEmpty)
    }

    /// The builder sums rows of the same cell, whichever order the periods come in.
    @Test func builderSumsCellsAcrossOutOfOrderPeriods() {
        var builder = TradeCubeBuilder()
        func row(_ period: String, _ kg: Double) -> TradeRow {
            TradeRow(period: Period(period)!, reporter: "AAA", partner: "BBB", flow: .export, hsCode: "280530",
                     quantityKg: kg, valueUSD: kg * 10, valuation: .fob, rawLine: 1)
        }
        for (p, kg) in [("2024-02", 5.0), ("2024-01", 1.0), ("2024-02", 2.0), ("2023", 40.0), ("2024-01", 3.0)] {
            builder.add(row(p, kg))
        }
        let series = TradeCube(builder).partnerSeries("AAA", .export, key: "280530", partner: "BBB")
        #expect(series.keys == [Period(year: 2023), Period(year: 2024, month: 1), Period(year: 2024, month: 2)])
        #expect(series.values.map(\.kg) == [40, 4, 7])
        #expect(series.values.map(\.rows) == [1, 2, 2])
    }
}
