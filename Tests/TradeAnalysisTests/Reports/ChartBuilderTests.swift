import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

@Suite("Report charts")
struct ChartBuilderTests {
    typealias F = ReportFixtures

    func values(_ s: ChartSeries) -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: s.points.map { ($0.period, $0.value) })
    }

    func chart(_ a: Anomaly, _ trade: [TradeRow] = F.trade) -> FindingChart {
        ChartBuilder.chart(for: a, index: ChartTradeIndex(rows: trade))
    }

    @Test func newPartnerChartsThePartnersShareOfTheDeclarersFlowByYear() throws {
        let charts = chart(F.newPartner).series
        try #require(charts.count == 1)
        let share = charts[0]
        #expect(share.unit == .percent && share.role == .observed)
        #expect(share.label.contains("TUR's share of CHN exports to all partners") && share.label.contains("HS 28469015"))
        #expect(share.points.first?.period == "2021" && share.points.last?.period == "2024")   // 3 years of context
        #expect(values(share)["2023"] == .some(0))
        // 2024: TUR 152.4 t of CHN's 152.4 + SGP 60 + JPN (12 months of 0.4…0.8) + USA 3 × 0.2.
        let jpn = (48..<60).map { 0.4 + Double($0 % 5) * 0.1 }.reduce(0, +)
        let expected = 100 * 152.4 / (152.4 + 60 + jpn + 0.6)
        #expect(abs(values(share)["2024"]!! - expected) < 1e-9)
        #expect(share.query?.measure == .share && share.query?.partner == "TUR")
    }

    @Test func volumeSpikeChartsTheDeclarersOwnSeriesWithAMonthlyBaseline() throws {
        let charts = chart(F.spike).series
        try #require(charts.count == 2)
        let (observed, baseline) = (charts[0], charts[1])
        #expect(observed.role == .observed && baseline.role == .baseline)
        #expect(observed.points.first?.period == "2021-02")   // 36 months before 2024-02
        // All partners in 2024-06: TUR 31 + SGP 11 + JPN (0.4 + 53 % 5 × 0.1); USA only every 4th month.
        let jpn = 0.4 + Double((4 * 12 + 5) % 5) * 0.1
        #expect(abs(values(observed)["2024-06"]!! - (31 + 11 + jpn)) < 1e-9)
        // The baseline of 2024-03 is the median of the 12 months before it, each a month's tonnes.
        let before = (0..<12).map { k -> Double in
            let p = Period(monthIndex: Period(year: 2024, month: 3).monthIndex - 12 + k)
            return F.trade.filter { $0.reporter == "CHN" && $0.period == p && $0.hsCode == "28469015" }
                .reduce(0) { $0 + $1.quantityKg! / 1000 }
        }.sorted()
        #expect(abs(values(baseline)["2024-03"]!! - (before[5] + before[6]) / 2) < 1e-9)
    }

    @Test func volumeSpikeAboutAnImporterChartsWhatTheImporterDeclared() throws {
        var spike = F.spike
        spike.reporter = "CHN"
        spike.partner = "MYS"
        spike.hsCode = "28469019"
        spike.evidence = ["declared_by": "MYS", "flow": "import", "series": "partner", "mode": "rolling_12_months",
                          "thresholds": ["baseline_years": 2]]
        let charts = chart(spike).series
        try #require(charts.count == 2)
        #expect(charts[0].query?.declarer == "MYS" && charts[0].query?.flow == .import && charts[0].query?.partner == "CHN")
        #expect(charts[0].query?.measure == .tonnes12)
        // 12 months to 2023-12: six surge months (38…58) and six at 2.5 t.
        #expect(abs(values(charts[0])["2023-12"]!! - ((38 + 42 + 46 + 50 + 54 + 58) + 6 * 2.5)) < 1e-9)
        // Its baseline: the same window one and two years earlier, 12 × 2.5 t.
        #expect(abs(values(charts[1])["2023-12"]!! - 30) < 1e-9)
    }

    @Test func periodsTheDeclarerDidNotReportAreGapsNotZeros() {
        var trade = F.trade.filter { !($0.reporter == "CHN" && $0.period == Period("2023-05")!) }
        trade.append(F.row(Period("2023-06")!, "CHN", "JPN", .export, "99999999", tonnes: 1))
        var a = F.spike
        a.evidence = ["declared_by": "CHN", "flow": "export", "series": "partner", "mode": "monthly"]
        a.partner = "TUR"
        let observed = chart(a, trade).series[0]
        #expect(values(observed)["2023-05"] == .some(nil))
        #expect(values(observed)["2023-06"] == .some(0))
    }

    @Test func mirrorGapComparesBothDeclarationsAtTheSharedPrefix() throws {
        let charts = chart(F.mirror).series
        try #require(charts.count == 2)
        #expect(charts[0].role == .observed && charts[1].role == .secondLeg)
        #expect(charts[0].label.contains("exporter: CHN exports to JPN") && charts[1].label.contains("importer: JPN imports from CHN"))
        #expect(charts[0].points.first?.period == "2019")    // 3 years before 2022
        // CHN's two 8-digit lines under 280530 are summed (KOR rows excluded); JPN's 6-digit heading as is.
        #expect(values(charts[0])["2023"] == .some(1000))
        #expect(values(charts[1])["2023"] == .some(1590))
        #expect(charts[0].query?.codes == [ChartQuery.CodeLevel(prefix: "280530", length: 8)])
    }

    @Test func mirrorGapSumsMonthsToTheYearsItCompares() throws {
        // CHN declares the same flows monthly: 1,000 t a year spread over 12 months.
        var trade = F.trade.filter { !($0.reporter == "CHN" && $0.hsCode.hasPrefix("280530")) }
        for year in 2017...2023 {
            for month in 1...12 { trade.append(F.row(Period(year: year, month: month), "CHN", "JPN", .export, "28053010", tonnes: 1000.0 / 12)) }
        }
        let charts = chart(F.mirror, trade).series
        try #require(charts.count == 2)
        #expect(abs(values(charts[0])["2022"]!! - 1000) < 1e-6)
    }

    @Test func conduitShowsBothLegsOnOneAxisWithTheLag() throws {
        let c = chart(F.conduit)
        try #require(c.series.count == 2)
        #expect(c.series[0].label.hasPrefix("Leg 1, into MYS: MYS imports from CHN"))
        #expect(c.series[1].label.hasPrefix("Leg 2, out of MYS: MYS exports to USA") && c.series[1].label.contains("1 month later"))
        #expect(c.series[0].points.map(\.period) == c.series[1].points.map(\.period))
        #expect(c.series[0].points.first?.period == "2020-07")
        #expect(values(c.series[0])["2023-07"] == .some(38))
        #expect(values(c.series[1])["2023-07"] == .some(0.8))
        #expect(c.note?.contains("1 month later") == true)
    }

    @Test func conduitFallsBackToTheOriginsExportsWhenTheViaDeclaredNoImports() throws {
        let trade = F.trade.filter { !($0.reporter == "MYS" && $0.flow == .import) }
        let charts = chart(F.conduit, trade).series
        try #require(charts.count == 2)
        #expect(charts[0].label.hasPrefix("Leg 1, into MYS: CHN exports to MYS"))
        #expect(values(charts[0])["2023-08"] == .some(35))
    }

    @Test func unitValueChartsUSDPerKgAgainstThePeersBand() throws {
        var trade = F.trade
        let p = Period(year: 2024, month: 11)
        // The flagged lot at $3.1/kg and four peers at 40, 48, 50 and 60 USD/kg.
        trade.append(F.row(p, "CHN", "KOR", .export, "28469099", tonnes: 2, usdPerKg: 3.1))
        for (reporter, price) in [("USA", 40.0), ("JPN", 48.0), ("KOR", 50.0), ("VNM", 60.0)] {
            trade.append(F.row(p, reporter, "DEU", .export, "28469099", tonnes: 1, usdPerKg: price))
        }
        let charts = chart(F.unitValue, trade).series
        try #require(charts.count == 2)
        let (observed, band) = (charts[0], charts[1])
        #expect(observed.unit == .usdPerKg && band.role == .band)
        #expect(abs(values(observed)["2024-11"]!! - 3.1) < 1e-9)
        let point = band.points.first { $0.period == "2024-11" }!
        // Peers: 3.1 (the lot itself is a declaration of the code too), 40, 48, 50, 60.
        #expect(point.value == 48 && point.low == 40 && point.high == 50)
    }

    @Test func controlDiversionShowsControlledLinesAndTheCatchAllWithTheDateMarked() throws {
        var trade: [TradeRow] = []
        for p in F.monthly(Period(year: 2022, month: 1), Period(year: 2024, month: 12)) {
            let after = p >= Period(year: 2023, month: 8)
            trade.append(F.row(p, "CHN", "JPN", .export, "28053011", tonnes: after ? 2 : 20))
            trade.append(F.row(p, "CHN", "KOR", .export, "28053012", tonnes: after ? 1 : 10))
            trade.append(F.row(p, "CHN", "JPN", .export, "28053090", tonnes: after ? 25 : 3))
        }
        let a = Anomaly(detector: "control_diversion", severity: .high, score: 0.9, reporter: "CHN", partner: nil,
                        hsCode: "28053090", periodStart: "2023-08", periodEnd: "2024-07", summary: "",
                        evidence: ["regime": "MOFCOM 2023", "effective": "2023-08-01", "channel": "catch_all",
                                   "controlled_codes": ["28053011", "28053012"],
                                   "periods_compared": ["pre": "2022-08–2023-07", "post": "2023-08–2024-07", "granularity": "monthly"]])
        let c = chart(a, trade)
        try #require(c.series.count == 2)
        #expect(values(c.series[0])["2023-07"] == .some(30) && values(c.series[0])["2023-08"] == .some(3))
        #expect(values(c.series[1])["2023-07"] == .some(3) && values(c.series[1])["2023-08"] == .some(25))
        #expect(c.markers == [ChartMarker(period: "2023-08", label: "MOFCOM 2023 effective 2023-08-01")])
    }

    @Test func sourceConflictShowsEachSourcesFigures() throws {
        var rows: [TradeRow] = [], sources: [String] = []
        for year in 2019...2021 {
            rows.append(F.row(Period(year: year), "CHN", "USA", .export, "280530", tonnes: 100)); sources.append("comtrade")
            for month in 1...12 {
                rows.append(F.row(Period(year: year, month: month), "CHN", "USA", .export, "28053011", tonnes: 12))
                sources.append("china-customs")
            }
        }
        let a = Anomaly(detector: "source_conflict", severity: .high, score: 0.44, reporter: "CHN", partner: "USA", hsCode: "280530",
                        periodStart: "2020", periodEnd: "2021", summary: "",
                        evidence: ["declared_by": "CHN", "flow": "export", "partner_declared": "USA", "compared_at": "280530",
                                   "sources": ["china-customs", "comtrade"], "ratio": ["weight": 0.69]])
        let charts = ChartBuilder.chart(for: a, index: ChartTradeIndex(rows: rows, sources: sources)).series
        try #require(charts.count == 2)
        #expect(charts.map { $0.query?.source } == ["china-customs", "comtrade"])
        #expect(values(charts[0])["2020"] == .some(144) && values(charts[1])["2020"] == .some(100))
    }

    @Test func findingWithoutTradeRowsHasNoSeries() {
        #expect(ChartBuilder.chart(for: F.unitValue, index: ChartTradeIndex(rows: F.trade)).series.isEmpty)
        #expect(ChartBuilder.chart(for: F.newPartner, index: ChartTradeIndex(rows: [])).series.isEmpty)
    }
}

@Suite("Report chart drawing")
struct SVGChartTests {
    @Test func unitValuesSpreadOverMoreThanThirtyTimesGetALogScale() {
        let wide = YScale(values: [1.9, 2.1, 400], unit: .usdPerKg)
        #expect(wide.isLog && wide.low == 1 && wide.high == 1000)
        #expect(wide.ticks == [1, 10, 100, 1000])
        #expect(abs(wide.fraction(10) - 1.0 / 3) < 1e-12)
        let narrow = YScale(values: [40, 60], unit: .usdPerKg)
        #expect(!narrow.isLog && narrow.low == 0)
        #expect(!YScale(values: [0.1, 400], unit: .tonnes).isLog)    // tonnes stay linear from 0
    }

    @Test func seriesCarryTheirValuesAndRowsAndMarkersAreDrawn() {
        let query = ChartQuery(declarer: "CHN", flow: .export, partner: "JPN", excludedPartner: nil,
                               codes: [ChartQuery.CodeLevel(prefix: "2846", length: 8)], source: "china-customs",
                               measure: .tonnes, annual: false)
        let series = ChartSeries(label: "CHN exports to JPN", points: [.init(period: "2024-01", value: 1.5), .init(period: "2024-02", value: nil)],
                                 query: query)
        var anomaly = ReportFixtures.spike
        anomaly.periodStart = "2024-02"
        anomaly.periodEnd = "2024-02"
        let finding = ReportFinding(id: 7, anomaly: anomaly, charts: [series],
                                    markers: [ChartMarker(period: "2024-02", label: "control")])
        let svg = SVGChart(finding: finding).render()
        #expect(svg.contains("data-finding=\"7\"") && svg.contains("data-points=\"1\""))
        #expect(svg.contains("data-values=\"2024-01=1.5;2024-02=\""))
        #expect(svg.contains("data-declarer=\"CHN\"") && svg.contains("data-codes=\"2846:8\"") && svg.contains("data-source=\"china-customs\""))
        #expect(svg.contains("class=\"marker\" data-period=\"2024-02\""))
    }
}
