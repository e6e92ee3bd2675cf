import Foundation
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest
import TradeAnalysis

/// One TradeWatch run: extract → normalize → load → detect → report, over the
/// definitions in `Pipelines/` and the files in the raw directory.
public struct Pipeline {
    public let options: RunOptions
    public let logger: Logger

    public init(options: RunOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    // MARK: configuration

    /// Source definitions and reference tables; any mistake is a located error before anything is loaded.
    func loadConfiguration() throws -> (sources: [SourceDefinition], reference: ReferenceData) {
        try PathChecks.requirePipelines(options.pipelinesDirectory)
        let pipelines = URL(fileURLWithPath: options.pipelinesDirectory, isDirectory: true)
        let sources = try SourceDefinitions.load(directory: options.pipelinesDirectory)
        let reference = try ReferenceLoader.load(
            directory: pipelines.appendingPathComponent("reference", isDirectory: true),
            displayDirectory: options.pipelinesDirectory + "/reference")
        return (sources, reference)
    }

    func loadDetectorSettings() throws -> DetectorSettings {
        try PathChecks.requirePipelines(options.pipelinesDirectory)
        let display = options.pipelinesDirectory + "/detectors.yaml"
        let url = URL(fileURLWithPath: display)
        guard FileManager.default.fileExists(atPath: url.path) else { return DetectorSettings() }
        let located = try PipelineLoader.loadDetectorThresholds(file: url, display: display)
        var overrides: [String: [String: Double]] = [:]
        for (detector, keys) in located {
            for (key, number) in keys { overrides[detector, default: [:]][key] = number.value }
        }
        do {
            return try DetectorSettings(overrides: overrides)
        } catch let error as DetectorSettingsError {
            // Point at the value the detectors did not accept (an unknown detector: its first value).
            let section = located[error.detector] ?? [:]
            let location = error.key.flatMap { section[$0]?.location }
                ?? section.values.map(\.location).min { ($0.line, $0.column ?? 0) < ($1.line, $1.column ?? 0) }
            throw Diagnostic("\(error)", at: location ?? SourceLocation(file: display, line: 1, column: 1))
        }
    }

    // MARK: warehouse

    func openWarehouse() throws -> Warehouse {
        try Warehouse(path: options.warehousePath)
    }

    /// Starts a ledger run; call it under the run lock. Runs an earlier process left `running` (it was
    /// killed or crashed) are marked failed first, with a warning, so the ledger never shows a dead run as live.
    func beginRun(_ warehouse: Warehouse, command: String) throws -> Int64 {
        for id in try warehouse.closeInterruptedRuns() {
            logger.warning("run \(id) never finished (its process was killed or crashed); marked failed in the ledger")
        }
        return try warehouse.beginRun(command: command)
    }

    /// Takes the run lock before the warehouse is opened: opening migrates, and two runs
    /// migrating a new warehouse at once collide ("table run_ledger already exists").
    func lock() throws -> RunLock {
        do {
            return try Warehouse.acquireRunLock(warehousePath: options.warehousePath, wait: options.wait)
        } catch let error as WarehouseError {
            throw RunFailure(.locked, "\(error)")
        }
    }
}
