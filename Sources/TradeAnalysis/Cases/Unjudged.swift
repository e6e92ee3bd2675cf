import TradeCore

/// Series the detectors could not judge because their source did not cover a baseline: a period a
/// source did not publish is missing, not zero, so such a series gets no verdict. Counted so that a
/// report can say how much of the warehouse went unjudged, and why.
public enum Unjudged {
    /// Why a series (declarer, flow, code) was left unjudged → how many.
    public static func census(_ input: DetectionInput, settings: DetectorSettings = DetectorSettings()) -> [String: Int] {
        let cube = input.cube
        let needed = settings.volumeSpike.minBaselineYears + 1
        var out: [String: Int] = [:]
        for flow in Flow.allCases {
            for declarer in cube.declarers(flow) {
                for code in cube.codes(declarer, flow) {
                    let coverage = cube.coverage(declarer, flow, key: code)
                    let years = coverage.coveredYears
                    guard years.count < needed else { continue }
                    let sourceYears = Coverage(months: coverage.months, annualYears: coverage.annualYears, from: .min).coveredYears
                    let reason = sourceYears.count >= needed
                        ? "code first carried by its source less than \(needed) years before its last period"
                        : "source covers the declarer for less than \(needed) years"
                    out[reason, default: 0] += 1
                }
            }
        }
        return out
    }

    /// "12 series left unjudged: source covers the declarer for less than 4 years (9), …".
    public static func sentence(_ census: [String: Int]) -> String? {
        let total = census.values.reduce(0, +)
        guard total > 0 else { return nil }
        let parts = census.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) (\($0.value))" }
        return "\(total) series (declarer, flow, code) left unjudged for want of a covered baseline: "
            + parts.joined(separator: "; ") + "."
    }
}
