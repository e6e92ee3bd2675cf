import Foundation
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest

/// What `load --dry-run` found for one file.
public struct DryRunFile: Sendable {
    public enum State: String, Sendable {
        /// Not in the warehouse's manifest (or there is no warehouse).
        case new
        /// In the manifest with other content.
        case changed
        /// In the manifest with this content: a load would skip it.
        case unchanged
        /// Could not be read (the load would record the same failure).
        case failed
    }

    public var path: String
    /// The definition that reads it; nil for a file no definition claims.
    public var source: String?
    public var state: State
    /// Rows the readers and normalizers produce (trade, mineral, commodity, series rows).
    public var rows = 0
    /// Rows they reject.
    public var rejected = 0
    /// The failure, for `failed`.
    public var message: String?
}

/// The outcome of `load --dry-run`.
public struct DryRunReport: Sendable {
    public var files: [DryRunFile] = []

    public var rows: Int { files.reduce(0) { $0 + $1.rows } }
    public var rejected: Int { files.reduce(0) { $0 + $1.rejected } }
    public func count(_ state: DryRunFile.State) -> Int { files.filter { $0.state == state }.count }
}

extension CommandRunner {
    /// `tradewatch load --dry-run`: extract and normalize every new or changed file and count the rows
    /// that would load and be rejected, writing nothing. An existing warehouse is opened read-only
    /// (for its manifest); a missing one is not created, and every file counts as new. No run lock is
    /// taken. Repeated natural keys within a file and the schema's CHECK constraints are found only by
    /// a real load, so a file with those would load fewer rows than counted here.
    public func dryRun() throws -> CommandResult {
        let report = try dryRunReport()
        let failed = report.count(.failed)
        var details = "dry run: nothing written\n"
        for file in report.files {
            let source = file.source.map { " [\($0)]" } ?? ""
            switch file.state {
            case .new, .changed:
                details += "  \(file.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(file.path)\(source): "
                    + "\(file.rows) rows would load, \(file.rejected) rejected\n"
            case .unchanged:
                details += "  unchanged \(file.path)\(source): already loaded, would be skipped\n"
            case .failed:
                details += "  FAILED    \(file.message ?? file.path)\n"
            }
        }
        let readable = report.count(.new) + report.count(.changed)
        let summary = "tradewatch: load --dry-run \(failed > 0 ? "FAILED" : "ok") — \(report.files.count) files "
            + "(\(readable) new or changed, \(report.count(.unchanged)) unchanged, \(failed) failed), "
            + "\(report.rows) rows would load, \(report.rejected) rejected; nothing written"
        return CommandResult(status: failed > 0 ? .failure : .success, summary: summary, details: details)
    }

    /// The per-file counts of `dryRun()`, in the order a load reads the files.
    public func dryRunReport() throws -> DryRunReport {
        let (sources, reference) = try loadConfiguration()
        let warehouse: Warehouse? = FileManager.default.fileExists(atPath: options.warehousePath)
            ? try Warehouse.openReadOnly(path: options.warehousePath) : nil
        var report = DryRunReport()
        let plan = try planFiles(sources)
        func failed(_ failure: PlannedFailure) {
            report.files.append(DryRunFile(path: failure.path, source: failure.source, state: .failed,
                                           message: failure.message))
            logger.error("\(failure.message)", metadata: failure.source.map { ["source": "\($0)"] } ?? [:])
        }
        plan.failures.forEach(failed)
        let progress = ProgressLine(enabled: options.showProgress, totalFiles: plan.work.count,
                                totalBytes: plan.work.reduce(0) { $0 + $1.file.size })
        let stages = pipeline(reference: reference, progress: progress)
        for (definition, scanned) in plan.work {
            defer { progress.finishFile(size: scanned.size) }
            var file = DryRunFile(path: scanned.file.displayPath, source: definition.name, state: .new)
            do {
                let verdict = try manifestVerdict(scanned, warehouse: warehouse)
                switch verdict {
                case .sameStamp, .sameContent:
                    file.state = .unchanged
                case .new, .changed:
                    if case .changed = verdict { file.state = .changed }
                    // The same extract and load as a real load, into a sink that only counts.
                    let rows = try stages.extract.run(PlannedFile(definition: definition, scanned: scanned))
                    let counter = CountingSink()
                    _ = try stages.load.run(FileLoad(rows: rows, sink: counter, pipelined: false))
                    (file.rows, file.rejected) = (counter.rows, counter.rejected)
                }
            } catch {
                let message = PathChecks.message(error, path: file.path)
                file = DryRunFile(path: file.path, source: definition.name, state: .failed, message: message)
                logger.error("\(message)", metadata: ["source": "\(definition.name)"])
            }
            report.files.append(file)
        }
        progress.finish()
        plan.orphans.forEach(failed)
        for path in plan.unclaimed {
            logger.warning("\(Self.unclaimedWarning(path, pipelines: options.pipelinesDirectory))")
        }
        return report
    }
}
