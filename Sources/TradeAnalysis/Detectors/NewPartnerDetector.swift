import Foundation
import TradeCore

/// `new_partner`: a partner with no or negligible history taking a material share of a code's exports.
///
/// Method. Per exporter, export flow and declared code, calendar-year tonnes (annual rows, else
/// the sum of the months; the latest year may be year-to-date). A partner fires in year Y when its
/// median over the previous `baseline_years` covered years is ≤ `negligible_tonnes`, its share of
/// the code never exceeded `negligible_share` there, and in Y it takes ≥ `min_tonnes` and ≥
/// `min_share` of the code. Score = the partner's share in Y.
public struct NewPartnerDetector: Detector {
    public let name = "new_partner"
    public init() {}

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let s = settings.newPartner
        let cube = input.cube
        var out: [Anomaly] = []
        for flow in [Flow.export, .reExport] {
            for exporter in cube.declarers(flow) {
                for code in cube.codes(exporter, flow) {
                    // Only years the code's own source covered: before a code or a source begins,
                    // a partner's absence says nothing.
                    let coverage = cube.coverage(exporter, flow, key: code)
                    let years = coverage.coveredYears
                    let total = TradeCube.annual(cube.totalSeries(exporter, flow, key: code))
                    for partner in cube.partners(exporter, flow, key: code) {
                        let series = cube.partnerSeries(exporter, flow, key: code, partner: partner)
                        let annual = TradeCube.annual(series)
                        for y in years {
                            let observed = annual[y]?.tonnes ?? 0
                            let codeTotal = total[y]?.tonnes ?? 0
                            guard observed >= s.minTonnes, codeTotal > 0 else { continue }
                            let share = min(observed / codeTotal, 1)
                            guard share >= s.minShare else { continue }
                            let base = years.filter { $0 < y && $0 >= y - s.baselineYears }
                            guard base.count >= s.minBaselineYears else { continue }
                            let partnerBase = base.map { annual[$0]?.tonnes ?? 0 }
                            let totalBase = base.map { total[$0]?.tonnes ?? 0 }
                            let shares = zip(partnerBase, totalBase).map { $1 > 0 ? $0 / $1 : 0 }
                            let partnerMedian = RobustStatistics.median(partnerBase) ?? 0
                            let totalMedian = RobustStatistics.median(totalBase) ?? 0
                            guard partnerMedian <= s.negligibleTonnes, (shares.max() ?? 0) <= s.negligibleShare else { continue }

                            // Months of the year with shipments, when the data are monthly.
                            let months = series.keys.filter { $0.year == y && $0.month != nil && (series[$0]!.kg > 0) }.sorted()
                            let start = months.first?.description ?? String(y)
                            let end = months.last?.description ?? String(y)
                            let baseSpan = AnomalyText.years(base.first!, base.last!)
                            let summary = "\(exporter) \(AnomalyText.noun(flow)) of \(input.catalog.label(code)) to \(partner): "
                                + "\(AnomalyText.tonnes(observed)) in \(y) vs a \(baseSpan) median of "
                                + "\(partnerMedian == 0 ? "0 t" : AnomalyText.tonnes(partnerMedian)) for \(partner) and "
                                + "\(AnomalyText.tonnes(totalMedian)) for all partners; \(partner) took \(AnomalyText.percent(share)) of the code's exports."
                            let evidence: JSONValue = [
                                "declared_by": .string(exporter), "flow": .string(flow.rawValue),
                                "observed": ["period": .string(String(y)), "partner_t": AnomalyText.json(observed),
                                             "code_total_t": AnomalyText.json(codeTotal), "share": AnomalyText.json(share)],
                                "observed_t": AnomalyText.json(observed), "code_total_t": AnomalyText.json(codeTotal),
                                "share": AnomalyText.json(share),
                                "baseline_partner_median_t": AnomalyText.json(partnerMedian),
                                "baseline_code_median_t": AnomalyText.json(totalMedian),
                                "baseline_max_share": AnomalyText.json(shares.max() ?? 0),
                                "ratio": partnerMedian > 0 ? AnomalyText.json(observed / partnerMedian) : .null,
                                "statistic": "partner_share_of_code", "year_to_date": .bool(!coverage.yearComplete(y)),
                                "months_with_shipments": .array(months.map { .string($0.description) }),
                                "baseline": .array(base.map { yb in
                                    ["period": .string(String(yb)), "partner_t": AnomalyText.json(annual[yb]?.tonnes ?? 0),
                                     "code_total_t": AnomalyText.json(total[yb]?.tonnes ?? 0)]
                                }),
                                "periods_compared": ["observed": .string(String(y)), "baseline": .array(base.map { .string(String($0)) })],
                                "thresholds": settings.thresholdsJSON(name),
                            ]
                            out.append(Anomaly(detector: name, severity: AnomalyText.severity(share, medium: s.severityMedium, high: s.severityHigh),
                                               score: (share * 10000).rounded() / 10000, reporter: exporter, partner: partner, hsCode: code,
                                               periodStart: start, periodEnd: end, summary: summary, evidence: evidence))
                        }
                    }
                }
            }
        }
        return DetectorSuite.keepMostSpecific(out)
    }
}
