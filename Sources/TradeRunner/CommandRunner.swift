import Foundation
import Logging
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest
import TradeAnalysis

/// One command's work (`run`, `load`, `detect`, `report`, `init`, `load --dry-run`): reads the
/// configuration, takes the run lock, keeps the run ledger and runs the stages over the
/// definitions in `Pipelines/` and the files in the raw directory.
public struct CommandRunner {
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
        let located = try DefinitionLoader.loadDetectorThresholds(file: url, display: display)
        var overrides: [String: [String: Double]] = [:]
        for (detector, keys) in located {
            for (key, number) in keys { overrides[detector, default: [:]][key] = number.value }
        }
        // Each key alone first, in file order: the error is the first one in the file, at the key
        // for an unknown name, at the value for a refused number.
        let ordered = located.flatMap { detector, keys in keys.map { (detector, $0.key, $0.value) } }
            .sorted { ($0.2.keyLocation?.line ?? 0, $0.2.keyLocation?.column ?? 0) < ($1.2.keyLocation?.line ?? 0, $1.2.keyLocation?.column ?? 0) }
        for (detector, key, number) in ordered {
            do {
                _ = try DetectorSettings(overrides: [detector: [key: number.value]])
            } catch let error as DetectorSettingsError {
                throw Diagnostic("\(error)", at: Self.location(of: error, number, display: display))
            }
        }
        do {
            return try DetectorSettings(overrides: overrides)
        } catch let error as DetectorSettingsError {
            // A value refused only with the others (a relation between keys): at that value.
            let number = error.key.flatMap { located[error.detector]?[$0] }
            throw Diagnostic("\(error)", at: number?.location ?? SourceLocation(file: display, line: 1, column: 1))
        }
    }

    static func location(of error: DetectorSettingsError, _ number: LocatedNumber, display: String) -> SourceLocation {
        switch error {
        case .unknownDetector: return number.sectionLocation ?? number.location
        case .unknownKey: return number.keyLocation ?? number.location
        case .invalidValue: return number.location
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
