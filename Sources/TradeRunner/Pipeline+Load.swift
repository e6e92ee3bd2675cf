import Foundation
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest

/// What the load stage did.
public struct LoadReport: Sendable {
    public var filesSeen = 0
    public var filesLoaded = 0
    public var filesSkipped = 0
    public var filesFailed = 0
    public var rowsLoaded = 0
    public var rowsRejected = 0
    public var failures: [String] = []
}

extension Pipeline {
    /// Extract, normalize and load every raw file that is new or changed; one transaction per file.
    /// A file that fails is recorded and reported; the others still load.
    func loadStage(warehouse: Warehouse, runID: Int64, sources: [SourceDefinition],
                   reference: ReferenceData) throws -> LoadReport {
        var report = LoadReport()
        let rawRoot = URL(fileURLWithPath: options.rawDirectory, isDirectory: true)
        let scanner = RawFileScanner(rawDirectory: rawRoot, displayDirectory: options.rawDirectory)
        var claimed = Set<String>()
        let progress = Progress(enabled: options.showProgress)

        for definition in sources {
            let found: [ScannedFile]
            do {
                found = try scanner.files(for: definition)
            } catch {
                // A pattern that escapes Raw/ or a symlink out of it: the definition or file is at fault.
                report.filesFailed += 1
                report.failures.append("\(error)")
                logger.error("\(error)", metadata: ["source": "\(definition.name)"])
                try warehouse.recordFileFailure(runID: runID, path: definition.definitionFile,
                                                source: definition.name, message: "\(error)")
                continue
            }
            for file in found {
                report.filesSeen += 1
                claimed.insert(file.displayPath)
                do {
                    let outcome = try loadOne(file, definition: definition, reference: reference,
                                              warehouse: warehouse, runID: runID, progress: progress)
                    switch outcome {
                    case .skipped:
                        report.filesSkipped += 1
                    case .loaded(let loaded, let rejected):
                        report.filesLoaded += 1
                        report.rowsLoaded += loaded
                        report.rowsRejected += rejected
                        logger.info("loaded \(file.displayPath)", metadata: [
                            "source": "\(definition.name)", "file": "\(file.displayPath)",
                            "rows.loaded": "\(loaded)", "rows.rejected": "\(rejected)"])
                    }
                } catch {
                    report.filesFailed += 1
                    report.failures.append("\(error)")
                    logger.error("\(error)", metadata: ["source": "\(definition.name)", "file": "\(file.displayPath)"])
                    try warehouse.recordFileFailure(runID: runID, path: file.displayPath,
                                                    source: definition.name, message: "\(error)")
                }
            }
        }

        // A file dropped into a source folder that no definition reads is an error, not silence.
        for orphan in try scanner.unclaimedFiles(excluding: claimed) {
            report.filesSeen += 1
            report.filesFailed += 1
            let message = Diagnostic("matches no source definition in \(options.pipelinesDirectory)/ (add a pattern to a definition's `files`)",
                                     at: SourceLocation(file: orphan, line: 1)).description
            report.failures.append(message)
            logger.error("\(message)")
            try warehouse.recordFileFailure(runID: runID, path: orphan, source: nil, message: message)
        }
        progress.finish()
        return report
    }

    enum FileOutcome {
        case skipped
        case loaded(rows: Int, rejected: Int)
    }

    /// Loads one file unless the manifest already holds this exact content.
    func loadOne(_ file: ScannedFile, definition: SourceDefinition, reference: ReferenceData,
                 warehouse: Warehouse, runID: Int64, progress: Progress) throws -> FileOutcome {
        let previous = try warehouse.manifestEntry(path: file.displayPath)
        if let previous, previous.size == file.size, previous.mtime == file.mtime {
            return .skipped  // fast path: same size and mtime, not re-read
        }
        let sha = try file.sha256()
        if let previous, previous.sha256 == sha {
            try warehouse.touchManifest(path: file.displayPath, size: file.size, mtime: file.mtime)
            return .skipped
        }
        guard let reader = SourceReaders.reader(for: definition.format) else {
            throw Diagnostic("no reader for format \(definition.format.rawValue)",
                             at: definition.location(of: "format"), source: definition.name)
        }
        let identity = FileIdentity(path: file.displayPath, sha256: sha, size: file.size, mtime: file.mtime)
        let raw = RawFile(url: file.url, displayPath: file.displayPath)
        progress.startFile(file.displayPath)
        let summary = try warehouse.loadFile(identity, source: definition.name, runID: runID) { sink in
            try reader.read(raw, definition: definition, reference: reference) { outcome in
                try sink.add(outcome)
                progress.row()
            }
            // A file rewritten while we read it would load a mix of two versions: refuse it.
            let after = try ScannedFile.stat(file.url)
            if after.size != file.size || after.mtime != file.mtime {
                throw Diagnostic("file changed while being read (size \(file.size) → \(after.size)); it will be loaded on the next run",
                                 at: SourceLocation(file: file.displayPath, line: 1), source: definition.name)
            }
        }
        return .loaded(rows: summary.rowsLoaded, rejected: summary.rowsRejected)
    }
}
