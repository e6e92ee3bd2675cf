import TradeCore

/// An anomaly as stored in the warehouse: its stable id, the run that last produced it, the finding
/// and the case it belongs to.
public struct StoredAnomaly: Sendable, Hashable {
    public var id: Int64
    public var runID: Int64
    public var anomaly: Anomaly
    /// `cases.id`; nil when the detection stored no case for it.
    public var caseID: Int64?

    public init(id: Int64, runID: Int64, anomaly: Anomaly, caseID: Int64? = nil) {
        self.id = id
        self.runID = runID
        self.anomaly = anomaly
        self.caseID = caseID
    }
}

/// A case as stored in the warehouse (a row of the `cases` view) with the ids of its findings.
public struct StoredCase: Sendable, Hashable {
    /// `cases.id`.
    public var id: Int64
    /// The case; its `findings` are positions in `findingIDs` (the stored case keeps no other list).
    public var tradeCase: TradeCase
    /// `anomalies.id` of its findings, most severe first, then by descending score, then by id.
    public var findingIDs: [Int64]

    public init(id: Int64, tradeCase: TradeCase, findingIDs: [Int64]) {
        self.id = id
        self.tradeCase = tradeCase
        self.findingIDs = findingIDs
    }
}
