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
        var claimed = Set<String>()
        var work: [(definition: SourceDefinition, file: ScannedFile)] = []

        // Scan every definition first, so progress knows the total and a bad pattern fails early.
        for definition in sources {
            let scan: RawFileScan
            do {
                // Hashing waits until the manifest's size + mtime fast path says a file may have changed.
                scan = try RawFileScanner.scan(definition, rawDirectory: rawRoot, rawDisplay: options.rawDirectory,
                                               hashing: false)
            } catch {
                // A pattern that escapes the raw directory: the definition is at fault.
                try fail(&report, "\(error)", path: definition.definitionFile, source: definition.name,
                         warehouse: warehouse, runID: runID)
                continue
            }
            for skipped in scan.skipped {
                // Symlinks out of the raw directory and unreadable entries are refused, located.
                report.filesSeen += 1
                try fail(&report, skipped.description, path: skipped.location?.file ?? definition.definitionFile,
                         source: definition.name, warehouse: warehouse, runID: runID)
                if let file = skipped.location?.file { claimed.insert(file) }
            }
            for file in scan.files {
                claimed.insert(file.file.displayPath)
                work.append((definition, file))
            }
        }

        let progress = Progress(enabled: options.showProgress, totalFiles: work.count,
                                totalBytes: work.reduce(0) { $0 + $1.file.size })
        for (definition, file) in work {
            report.filesSeen += 1
            defer { progress.finishFile(size: file.size) }
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
                    logger.info("loaded \(file.file.displayPath)", metadata: [
                        "source": "\(definition.name)", "file": "\(file.file.displayPath)",
                        "rows.loaded": "\(loaded)", "rows.rejected": "\(rejected)"])
                }
            } catch {
                try fail(&report, "\(error)", path: file.file.displayPath, source: definition.name,
                         warehouse: warehouse, runID: runID)
            }
        }
        progress.finish()

        // A file dropped into a source folder that no definition reads is an error, not silence.
        for orphan in try unclaimedFiles(under: rawRoot, excluding: claimed) {
            report.filesSeen += 1
            let message = Diagnostic("matches no source definition in \(options.pipelinesDirectory)/ (add a pattern to a definition's `files`)",
                                     at: SourceLocation(file: orphan, line: 1)).description
            try fail(&report, message, path: orphan, source: nil, warehouse: warehouse, runID: runID)
        }
        return report
    }

    enum FileOutcome {
        case skipped
        case loaded(rows: Int, rejected: Int)
    }

    /// Records a file-level failure: counted, logged, kept in the warehouse for `status`.
    func fail(_ report: inout LoadReport, _ message: String, path: String, source: String?,
              warehouse: Warehouse, runID: Int64) throws {
        report.filesFailed += 1
        report.failures.append(message)
        logger.error("\(message)", metadata: source.map { ["source": "\($0)"] } ?? [:])
        try warehouse.recordFileFailure(runID: runID, path: path, source: source, message: message)
    }

    /// Files in the raw directory's source folders (not its top level, not hidden) that no definition claimed.
    func unclaimedFiles(under root: URL, excluding claimed: Set<String>) throws -> [String] {
        let fm = FileManager.default
        var orphans: [String] = []
        let top = try fm.contentsOfDirectory(atPath: root.path).sorted()
        for folder in top where !folder.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            let folderURL = root.appendingPathComponent(folder)
            guard fm.fileExists(atPath: folderURL.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            guard let walker = fm.enumerator(atPath: folderURL.path) else { continue }
            while let relative = walker.nextObject() as? String {
                if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                let full = folderURL.appendingPathComponent(relative)
                guard fm.fileExists(atPath: full.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let display = options.rawDirectory + "/" + folder + "/" + relative
                if !claimed.contains(display) { orphans.append(display) }
            }
        }
        return orphans.sorted()
    }

    /// Loads one file unless the manifest already holds this exact content.
    func loadOne(_ scanned: ScannedFile, definition: SourceDefinition, reference: ReferenceData,
                 warehouse: Warehouse, runID: Int64, progress: Progress) throws -> FileOutcome {
        let path = scanned.file.displayPath
        let mtime = scanned.modified.timeIntervalSince1970
        let previous = try warehouse.manifestEntry(path: path)
        if let previous, previous.size == scanned.size, previous.mtime == mtime {
            return .skipped  // fast path: same size and mtime, not re-read
        }
        let sha = try RawFileScanner.sha256(of: scanned.file.url, display: path)
        if let previous, previous.sha256 == sha {
            try warehouse.touchManifest(path: path, size: scanned.size, mtime: mtime)
            return .skipped
        }
        guard let reader = SourceReaders.reader(for: definition.format) else {
            throw Diagnostic("no reader for format \(definition.format.rawValue)",
                             at: definition.location(of: "format"), source: definition.name)
        }
        let identity = FileIdentity(path: path, sha256: sha, size: scanned.size, mtime: mtime)
        progress.startFile(path, size: scanned.size)
        let summary = try warehouse.loadFile(identity, source: definition.name, runID: runID) { sink in
            try reader.read(scanned.file, definition: definition, reference: reference) { outcome in
                try sink.add(outcome)
                progress.row()
            }
            // A file rewritten while we read it would load a mix of two versions: refuse it.
            let attributes = try FileManager.default.attributesOfItem(atPath: scanned.file.url.path)
            let sizeAfter = (attributes[.size] as? NSNumber)?.int64Value ?? -1
            let mtimeAfter = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            if sizeAfter != scanned.size || mtimeAfter != mtime {
                throw Diagnostic("file changed while being read (size \(scanned.size) → \(sizeAfter) bytes); it will be loaded on the next run",
                                 at: SourceLocation(file: path, line: 1), source: definition.name)
            }
        }
        return .loaded(rows: summary.rowsLoaded, rejected: summary.rowsRejected)
    }
}
