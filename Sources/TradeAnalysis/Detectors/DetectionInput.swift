import Foundation
import TradeCore

/// Everything the detectors read, in memory: detectors are pure functions of this value.
///
/// Trade enters as summed cells (source, declarer, flow, code, partner, period), not as rows, so a
/// warehouse of millions of rows can be streamed in (`TradeCubeBuilder`). Rows of one cell are
/// added in an order that does not depend on load order, so every number in the output is stable.
/// `precedence` decides which source answers for a declarer where several publish it.
public struct DetectionInput: Sendable {
    public let mineralStats: [MineralStat]
    public let exportControls: [ExportControl]
    public let commodities: [CommodityRow]
    /// Optional country reference, used only to resolve a control regime's issuer ("China") to ISO3;
    /// when empty, control_diversion checks every exporter.
    public let countries: [Country]

    let cube: TradeCube
    let catalog: CommodityCatalog

    /// Trade streamed into `builder` by the caller, in an order independent of load order
    /// (the warehouse visits rows by source, then natural key).
    public init(trade builder: TradeCubeBuilder, precedence: SourcePrecedence = SourcePrecedence(),
                mineralStats: [MineralStat] = [], exportControls: [ExportControl] = [],
                commodities: [CommodityRow] = [], countries: [Country] = []) {
        self.init(cube: TradeCube(builder, precedence: precedence), catalog: CommodityCatalog(commodities),
                  mineralStats: mineralStats, exportControls: exportControls, commodities: commodities, countries: countries)
    }

    /// The input of part of the trade (`FamilyDetection`: one code family's cube).
    init(cube: TradeCube, catalog: CommodityCatalog, mineralStats: [MineralStat], exportControls: [ExportControl],
         commodities: [CommodityRow], countries: [Country]) {
        self.mineralStats = mineralStats
        self.exportControls = exportControls
        self.commodities = commodities
        self.countries = countries
        self.cube = cube
        self.catalog = catalog
    }

    /// Trade rows in any order; they are put into `TradeCube.canonicalOrder` first.
    public init(trade: [TradeRow], precedence: SourcePrecedence = SourcePrecedence(), mineralStats: [MineralStat] = [], exportControls: [ExportControl] = [],
                commodities: [CommodityRow] = [], countries: [Country] = []) {
        var builder = TradeCubeBuilder()
        for row in trade.sorted(by: TradeCube.canonicalOrder) { builder.add(row) }
        self.init(trade: builder, precedence: precedence, mineralStats: mineralStats, exportControls: exportControls,
                  commodities: commodities, countries: countries)
    }

    /// Trade rows of named sources, in any order.
    public init(sourcedTrade: [(row: TradeRow, source: String)], precedence: SourcePrecedence,
                mineralStats: [MineralStat] = [], exportControls: [ExportControl] = [],
                commodities: [CommodityRow] = [], countries: [Country] = []) {
        var builder = TradeCubeBuilder()
        for item in sourcedTrade.sorted(by: { $0.source != $1.source ? $0.source < $1.source : TradeCube.canonicalOrder($0.row, $1.row) }) {
            builder.add(item.row, source: item.source)
        }
        self.init(trade: builder, precedence: precedence, mineralStats: mineralStats, exportControls: exportControls,
                  commodities: commodities, countries: countries)
    }
}

/// A detector: a pure, deterministic function from the input to findings.
public protocol Detector: Sendable {
    /// The `anomalies.detector` value (`volume_spike`, …).
    var name: String { get }
    func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly]
    /// The detector spreads its own work over the cores (`parallelMap`), so it is run alone.
    var parallelInside: Bool { get }
}

extension Detector {
    public var parallelInside: Bool { false }
}
