import TradeCore

/// An anomaly as stored in the warehouse: its stable id, the run that last produced it, the finding.
public struct StoredAnomaly: Sendable, Hashable {
    public var id: Int64
    public var runID: Int64
    public var anomaly: Anomaly
}
