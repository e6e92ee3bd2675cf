import TradeCore

extension Anomaly {
    /// The score as a multiple of its detector's `severity_high` cut-off (from the evidence's
    /// `thresholds`), so findings of different detectors — whose scores are z-scores, shares,
    /// gaps or tonnes — can be ranked on one scale. Falls back to the raw score.
    public var relativeScore: Double {
        guard case .object(let evidence) = evidence,
              case .object(let thresholds)? = evidence["thresholds"],
              case .number(let high)? = thresholds["severity_high"], high > 0, !score.isNaN else {
            return score.isNaN ? -Double.infinity : score
        }
        return score / high
    }
}
