import Foundation
import TradeCore
import TradeWarehouse
import TradeAnalysis

extension Pipeline {
    /// Runs every detector over the warehouse's current figures and replaces the anomaly set.
    func detectStage(warehouse: Warehouse, runID: Int64, settings: DetectorSettings) throws -> [Anomaly] {
        var cells = TradeCubeBuilder()
        // Reading rows (SQLite, decoding) on a worker thread and summing them into the cube here
        // takes the two halves of the serial part of detection onto both cores.
        try Pipelined.stream(batchSize: 4096, produce: { emit in
            try warehouse.forEachCurrentTradeRow { try emit($0) }
        }, consume: { cells.add($0) })
        let input = DetectionInput(trade: cells,
                                   mineralStats: try warehouse.mineralStats(),
                                   exportControls: try warehouse.exportControls(),
                                   commodities: try warehouse.commodities(),
                                   countries: try warehouse.countries())
        let anomalies = DetectorSuite.run(input, settings: settings)
        try warehouse.replaceAnomalies(runID: runID, detectorVersion: DetectorSuite.version,
                                       thresholdsJSON: settings.fingerprintJSON, anomalies)
        let high = anomalies.filter { $0.severity == .high }.count
        logger.info("detection finished", metadata: ["findings": "\(anomalies.count)", "high": "\(high)",
                                                     "detector.version": "\(DetectorSuite.version)"])
        return anomalies
    }

    /// `tradewatch detect`: detection alone, under the lock, as its own ledger run.
    public func detect() throws -> CommandResult {
        let settings = try loadDetectorSettings()
        let lock = try lock()
        defer { lock.release() }
        let warehouse = try openWarehouse()
        try refreshRollup(warehouse)
        let runID = try beginRun(warehouse, command: "detect")
        let anomalies = try detectStage(warehouse: warehouse, runID: runID, settings: settings)
        try warehouse.finishRun(runID, status: .succeeded, counts: RunCounts())
        var status = ExitStatus.success
        if let failOn = options.failOn, anomalies.contains(where: { $0.severity >= failOn }) { status = .findings }
        let high = anomalies.filter { $0.severity == .high }.count
        return CommandResult(status: status, summary: "tradewatch: detect \(runID) ok — \(anomalies.count) findings (\(high) high)")
    }
}
