import Foundation
import TradeCore

/// The y axis: linear from 0, or logarithmic for unit values spread over more than a factor of 30
/// (a $400/kg lot against a usual $2/kg stays readable).
struct YScale {
    var isLog: Bool
    var low: Double
    var high: Double
    var ticks: [Double]

    init(values: [Double], unit: ChartSeries.Unit) {
        let positive = values.filter { $0 > 0 }
        if unit == .usdPerKg, let lo = positive.min(), let hi = positive.max(), hi / lo > 30 {
            let from = floor(log10(lo)), to = ceil(log10(hi))
            isLog = true
            (low, high) = (pow(10, from), pow(10, to))
            let multiples: [Double] = to - from <= 2 ? [1, 2, 5] : [1]
            ticks = stride(from: from, through: to, by: 1).flatMap { power in multiples.map { $0 * pow(10, power) } }
                .filter { $0 <= pow(10, to) * 1.0001 }
            return
        }
        let (top, step) = SVGChart.niceScale(max(values.max() ?? 0, 0))
        isLog = false
        (low, high) = (0, top)
        ticks = stride(from: 0.0, through: top + step / 2, by: step).map { $0 }
    }

    /// Where `value` sits between the bottom (0) and the top (1), clamped.
    func fraction(_ value: Double) -> Double {
        if isLog {
            let v = max(value, low)
            return min(max((log10(v) - log10(low)) / (log10(high) - log10(low)), 0), 1)
        }
        return min(max(value, 0), high) / high
    }
}
