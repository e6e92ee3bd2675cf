import Foundation
import TradeCore

/// Everything the detectors read, in memory: detectors are pure functions of this value.
///
/// Rows are put into a canonical order on construction so that sums (and therefore every
/// number in the output) do not depend on the order the warehouse returned them in.
public struct DetectionInput: Sendable {
    public let trade: [TradeRow]
    public let mineralStats: [MineralStat]
    public let exportControls: [ExportControl]
    public let commodities: [CommodityRow]
    /// Optional country reference, used only to resolve a control regime's issuer ("China") to ISO3;
    /// when empty, control_diversion checks every exporter.
    public let countries: [Country]

    let cube: TradeCube
    let catalog: CommodityCatalog

    public init(trade: [TradeRow], mineralStats: [MineralStat] = [], exportControls: [ExportControl] = [],
                commodities: [CommodityRow] = [], countries: [Country] = []) {
        self.trade = trade.sorted(by: TradeCube.canonicalOrder)
        self.mineralStats = mineralStats
        self.exportControls = exportControls
        self.commodities = commodities
        self.countries = countries
        self.cube = TradeCube(rows: self.trade)
        self.catalog = CommodityCatalog(commodities)
    }
}

/// A detector: a pure, deterministic function from the input to findings.
public protocol Detector: Sendable {
    /// The `anomalies.detector` value (`volume_spike`, …).
    var name: String { get }
    func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly]
}
