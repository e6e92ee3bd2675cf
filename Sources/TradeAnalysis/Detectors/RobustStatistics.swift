import Foundation

/// Robust statistics for short, sparse, zero-heavy series: medians, MADs with floors, Theil–Sen trends.
enum RobustStatistics {
    /// Scales a median absolute deviation to a standard deviation under normality.
    static let madToSigma = 1.4826

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        var sorted = values
        return median(sorting: &sorted)
    }

    /// The median of `values`, sorting them in place (a hot loop's reused buffer); `values` must not be empty.
    static func median(sorting values: inout [Double]) -> Double {
        values.sort()
        let n = values.count
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }

    /// Median absolute deviation from the median (unscaled).
    static func mad(_ values: [Double]) -> Double? {
        guard let m = median(values) else { return nil }
        return median(values.map { abs($0 - m) })
    }

    /// Theil–Sen line: median of pairwise slopes, intercept = median(y − slope·x).
    static func theilSen(x: [Double], y: [Double]) -> (slope: Double, intercept: Double)? {
        guard x.count == y.count, !x.isEmpty else { return nil }
        var slopes: [Double] = []
        for i in 0..<x.count {
            for j in (i + 1)..<x.count where x[j] != x[i] {
                slopes.append((y[j] - y[i]) / (x[j] - x[i]))
            }
        }
        let slope = median(slopes) ?? 0
        let intercept = median(zip(x, y).map { $1 - slope * $0 }) ?? 0
        return (slope, intercept)
    }

    /// A robust prediction for the next point of a short series and the scale of its residuals.
    struct TrendBaseline: Sendable {
        var predicted: Double
        /// 1.4826 · MAD of residuals, floored.
        var scale: Double
        /// Slope actually used (clamped to [0, maxSlope]).
        var slope: Double
        var median: Double
    }

    /// Fits `y` against `x` with a Theil–Sen slope clamped to `0...maxSlope` (a decline never raises
    /// the expectation, a steep ramp does not excuse everything) and predicts at `atX`.
    static func trendBaseline(x: [Double], y: [Double], atX: Double, maxSlope: Double, scaleFloor: Double) -> TrendBaseline? {
        guard let med = median(y) else { return nil }
        var slope = 0.0
        if x.count >= 3, let fit = theilSen(x: x, y: y) { slope = min(max(fit.slope, 0), maxSlope) }
        let intercept = median(zip(x, y).map { $1 - slope * $0 }) ?? med
        let residuals = zip(x, y).map { $1 - (intercept + slope * $0) }
        let scale = max(madToSigma * (mad(residuals) ?? 0), scaleFloor)
        return TrendBaseline(predicted: intercept + slope * atX, scale: scale, slope: slope, median: med)
    }

    /// Robust z of `value` against `sample`: (value − median) / max(1.4826·MAD, floor).
    static func robustZ(_ value: Double, sample: [Double], scaleFloor: Double) -> (z: Double, median: Double, scale: Double)? {
        guard let m = median(sample) else { return nil }
        let scale = max(madToSigma * (mad(sample) ?? 0), scaleFloor)
        return ((value - m) / scale, m, scale)
    }
}
