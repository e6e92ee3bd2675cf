import Foundation
import TradeCore
import TradeWarehouse
import TradeAnalysis

extension Pipeline {
    /// Writes the HTML, Markdown and JSON reports for a run; returns the path of `latest.html`.
    /// `ending` is how a run still open in the ledger is about to end (it is recorded after its reports).
    func reportStage(warehouse: Warehouse, runID: Int64, filter: ReportFilter, ending: RunEnding? = nil) throws -> String {
        let thresholds = Inspector(warehousePath: options.warehousePath,
                                   pipelinesDirectory: options.pipelinesDirectory).staleThresholds().thresholds
        let assembler = ReportAssembler(warehouse: warehouse, staleAfterDays: thresholds)
        let input = try assembler.input(runID: runID, filter: filter, ending: ending)
        let directory = URL(fileURLWithPath: options.reportsDirectory, isDirectory: true)
        _ = try ReportWriter(filter: filter).write(input, to: directory, runID: runID)
        return options.reportsDirectory + "/latest.html"
    }

    /// `tradewatch report`: reports from the warehouse as it stands (no lock needed: read only).
    public func report(filter: ReportFilter) throws -> CommandResult {
        let warehouse = try Warehouse.openReadOnly(path: options.warehousePath)
        guard let runID = try warehouse.status().runs.first?.id else {
            throw RunFailure(.failure, "tradewatch: \(options.warehousePath) has no runs yet: run `tradewatch run` first")
        }
        let path = try reportStage(warehouse: warehouse, runID: runID, filter: filter)
        return CommandResult(status: .success, summary: "tradewatch: report for run \(runID) → \(path)")
    }
}
