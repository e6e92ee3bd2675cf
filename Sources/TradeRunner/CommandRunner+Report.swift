import Foundation
import TradeCore
import TradeWarehouse
import TradeAnalysis

extension CommandRunner {
    /// Writes the HTML, Markdown and JSON reports for a run; returns the path of `latest.html`.
    /// `ending` is how a run still open in the ledger is about to end (it is recorded after its reports).
    func reportStage(warehouse: Warehouse, runID: Int64, filter: ReportFilter, ending: RunEnding? = nil) throws -> String {
        let input = try reportInput(warehouse: warehouse, runID: runID, filter: filter, ending: ending)
        let directory = URL(fileURLWithPath: options.reportsDirectory, isDirectory: true)
        _ = try ReportWriter(filter: filter).write(input, to: directory, runID: runID)
        return options.reportsDirectory + "/latest.html"
    }

    func reportInput(warehouse: Warehouse, runID: Int64, filter: ReportFilter, ending: RunEnding? = nil) throws -> ReportInput {
        let thresholds = Inspector(warehousePath: options.warehousePath,
                                   pipelinesDirectory: options.pipelinesDirectory).staleThresholds().thresholds
        let assembler = ReportAssembler(warehouse: warehouse, staleAfterDays: thresholds)
        return try assembler.input(runID: runID, filter: filter, ending: ending)
    }

    /// The detector names `--detector` accepts; any other is a usage error listing them.
    public static func checkDetectorNames(_ names: [String]) throws {
        let known = DetectorSuite.all.map(\.name)
        for name in names where !known.contains(name) {
            throw RunFailure(.usage, "tradewatch: error: unknown detector \"\(name)\" (valid: \(known.joined(separator: ", ")))")
        }
    }

    /// `tradewatch report`: reports from the warehouse as it stands (no lock needed: read only).
    ///
    /// Unfiltered and without `output`, it rewrites the latest run's `run-N.*` and `latest.*`. A
    /// filtered report is a view, not the run's report: it goes to `output` (HTML, Markdown or JSON
    /// by the name's extension) or, without one, to stdout as Markdown, and never replaces those files.
    public func report(filter: ReportFilter, output: String? = nil) throws -> CommandResult {
        try PathChecks.requireWarehouse(options.warehousePath, command: "report")
        try PathChecks.requirePipelines(options.pipelinesDirectory)
        if let detectors = filter.detectors { try Self.checkDetectorNames(detectors.sorted()) }
        let warehouse = try Warehouse.openReadOnly(path: options.warehousePath)
        guard let runID = try warehouse.status().runs.first?.id else {
            throw RunFailure(.failure, "tradewatch: \(PathChecks.absolute(options.warehousePath)) has no runs yet: run `tradewatch run` first")
        }
        if filter.isUnrestricted && output == nil {
            let path = try reportStage(warehouse: warehouse, runID: runID, filter: filter)
            return CommandResult(status: .success, summary: "tradewatch: report for run \(runID) → \(path)")
        }
        let writer = ReportWriter(filter: filter)
        let input = try reportInput(warehouse: warehouse, runID: runID, filter: filter)
        guard let output else {
            return CommandResult(status: .success, summary: "tradewatch: filtered report for run \(runID) → stdout",
                                 document: Data(writer.markdown(input).utf8))
        }
        let url = URL(fileURLWithPath: output)
        if url.deletingLastPathComponent().standardizedFileURL.path
            == URL(fileURLWithPath: options.reportsDirectory).standardizedFileURL.path,
           url.lastPathComponent.hasPrefix("run-") || url.lastPathComponent.hasPrefix("latest.") {
            throw RunFailure(.usage, "tradewatch: error: --output \(PathChecks.absolute(output)) would replace a run's own report; choose another name")
        }
        let data: Data
        switch url.pathExtension.lowercased() {
        case "html", "htm": data = Data(writer.html(input).utf8)
        case "json": data = try writer.json(input)
        case "md", "markdown", "txt", "": data = Data(writer.markdown(input).utf8)
        default:
            throw RunFailure(.usage, "tradewatch: error: --output \(output): name it .html, .md or .json (the extension picks the format)")
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw RunFailure(.failure, "\(PathChecks.absolute(output)): error: cannot write the report: \(ErrorText.reason(error))")
        }
        return CommandResult(status: .success, summary: "tradewatch: report for run \(runID) → \(output)")
    }
}
