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
    /// Files in a source folder that no definition reads or ignores (warnings, not failures).
    public var unclaimed: [String] = []
    /// Files loaded with more rows rejected than loaded (warnings: their good rows are in).
    public var mostlyRejected: [String] = []
}

extension CommandRunner {
    /// Extract, normalize and load every raw file that is new or changed; one transaction per file.
    /// A file that fails is recorded and reported; the others still load.
    func loadStage(warehouse: Warehouse, runID: Int64, sources: [SourceDefinition],
                   reference: ReferenceData) throws -> LoadReport {
        var report = LoadReport()
        try keyLegacyManifestEntries(warehouse)
        let plan = try planFiles(sources)
        for failure in plan.failures {
            if failure.countsAsFile { report.filesSeen += 1 }
            try fail(&report, failure.message, path: failure.path, source: failure.source,
                     warehouse: warehouse, runID: runID)
        }
        let work = plan.work

        let progress = ProgressLine(enabled: options.showProgress, totalFiles: work.count,
                                totalBytes: work.reduce(0) { $0 + $1.file.size })
        let stages = pipeline(reference: reference, progress: progress)
        for (definition, file) in work {
            report.filesSeen += 1
            defer { progress.finishFile(size: file.size) }
            do {
                let outcome = try loadOne(PlannedFile(definition: definition, scanned: file), stages: stages,
                                          warehouse: warehouse, runID: runID)
                switch outcome {
                case .skipped:
                    report.filesSkipped += 1
                case .loaded(let loaded, let rejected):
                    report.filesLoaded += 1
                    report.rowsLoaded += loaded
                    report.rowsRejected += rejected
                    logger.info("loaded \(file.file.displayPath)", metadata: [
                        "source": "\(definition.name)", "file": "\(file.file.displayPath)",
                        "rows.loaded": .stringConvertible(loaded), "rows.rejected": .stringConvertible(rejected)])
                    if rejected > loaded {
                        report.mostlyRejected.append(file.file.displayPath)
                        logger.warning("\(Self.mostlyRejectedWarning(file.file.displayPath, loaded: loaded, rejected: rejected))",
                                       metadata: ["source": "\(definition.name)"])
                    }
                }
            } catch {
                try fail(&report, PathChecks.message(error, path: file.file.displayPath), path: file.file.displayPath, source: definition.name,
                         warehouse: warehouse, runID: runID)
            }
        }
        progress.finish()

        for orphan in plan.orphans {
            report.filesSeen += 1
            try fail(&report, orphan.message, path: orphan.path, source: nil, warehouse: warehouse, runID: runID)
        }
        for path in plan.unclaimed {
            report.unclaimed.append(path)
            logger.warning("\(Self.unclaimedWarning(path, pipelines: options.pipelinesDirectory))")
        }
        return report
    }

    /// The warning for a file most of whose rows were rejected: its good rows are loaded all the same.
    static func mostlyRejectedWarning(_ path: String, loaded: Int, rejected: Int) -> String {
        "\(path): \(rejected) of \(loaded + rejected) rows rejected, \(loaded) loaded; "
            + "the rejected rows and their reasons are in the view rejected_rows"
    }

    /// A file-level problem found before reading: a bad pattern, a refused entry, an orphan file.
    struct PlannedFailure {
        var message: String
        var path: String
        var source: String?
        /// Counted in `filesSeen` (a refused file is; a definition's bad pattern is not).
        var countsAsFile: Bool
    }

    /// The files a load would read, in order, and the problems found while finding them.
    struct FilePlan {
        var work: [(definition: SourceDefinition, file: ScannedFile)] = []
        var failures: [PlannedFailure] = []
        /// Entries in a source folder that cannot be read as files (reported after the work).
        var orphans: [PlannedFailure] = []
        /// Files in a source folder that no definition reads or ignores: warnings.
        var unclaimed: [String] = []
    }

    /// The warning for a file no definition reads, located at the file.
    static func unclaimedWarning(_ path: String, pipelines: String) -> String {
        Diagnostic("matches no source definition in \(pipelines)/ and was not read (add it to a definition's `files`, or its `ignore`)",
                   at: SourceLocation(file: path, line: 1), severity: .warning).description
    }

    /// Scans every definition's patterns (no hashing) and finds the files no definition claims.
    func planFiles(_ sources: [SourceDefinition]) throws -> FilePlan {
        var plan = FilePlan()
        let rawRoot = URL(fileURLWithPath: options.rawDirectory, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rawRoot.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Diagnostic("the raw directory \(options.rawDirectory) does not exist or is not a folder (see --raw)")
        }
        // Display paths already planned: an entry refused by two scans is reported once.
        var claimed = Set<String>()
        // Which definitions found each file: one file read by two sources would count twice.
        var owners: [String: [SourceDefinition]] = [:]
        var found: [(definition: SourceDefinition, file: ScannedFile)] = []
        // Scan every definition first, so progress knows the total and a bad pattern fails early.
        for definition in sources {
            let scan: RawFileScan
            do {
                // Hashing waits until the manifest's size + mtime fast path says a file may have changed.
                scan = try RawFileScanner.scan(definition, rawDirectory: rawRoot, rawDisplay: options.rawDirectory,
                                               hashing: false)
            } catch {
                // A pattern that escapes the raw directory: the definition is at fault.
                plan.failures.append(PlannedFailure(message: "\(error)", path: definition.definitionFile,
                                                    source: definition.name, countsAsFile: false))
                continue
            }
            for skipped in scan.skipped {
                // Symlinks out of the raw directory, entries that are no regular file, names that are
                // not UTF-8 and unreadable folders are refused, located.
                let path = skipped.location?.file ?? definition.definitionFile
                guard claimed.insert(path).inserted else { continue }
                plan.failures.append(PlannedFailure(message: skipped.description, path: path,
                                                    source: definition.name, countsAsFile: true))
            }
            for file in scan.files {
                claimed.insert(file.file.displayPath)
                owners[file.file.displayPath, default: []].append(definition)
                found.append((definition, file))
            }
        }
        var reported = Set<String>()
        for (definition, file) in found {
            let path = file.file.displayPath
            guard let both = owners[path], both.count > 1 else { plan.work.append((definition, file)); continue }
            guard reported.insert(path).inserted else { continue }
            plan.failures.append(PlannedFailure(message: Self.ambiguousMessage(path, both), path: path,
                                                source: nil, countsAsFile: true))
        }
        let ignore = sources.flatMap(\.ignore) + RawFileScanner.defaultIgnore
        (plan.orphans, plan.unclaimed) = unclaimedEntries(under: rawRoot, excluding: claimed, ignoring: ignore)
        return plan
    }

    /// A file two definitions find: neither reads it, and the error names both, at their `files`.
    static func ambiguousMessage(_ path: String, _ definitions: [SourceDefinition]) -> String {
        let named = definitions.map { "\($0.name) (\($0.location(of: "files")))" }.joined(separator: " and ")
        return Diagnostic("matched by \(definitions.count) source definitions, \(named); a file belongs to one source, "
                          + "so it was not read (narrow a definition's `files` or add the file to its `ignore`)",
                          at: SourceLocation(file: path, line: 1)).description
    }

    /// Keys the manifest entries loaded before files were keyed by their path relative to the raw
    /// directory: a stored path, resolved from the working directory, that lies inside this raw
    /// directory gets that relative path, whichever spelling of `--raw` stored it. Entries elsewhere
    /// stay unkeyed (a later load from their raw directory keys them).
    func keyLegacyManifestEntries(_ warehouse: Warehouse) throws {
        let unkeyed = try warehouse.unkeyedManifestEntries()
        guard !unkeyed.isEmpty else { return }
        let root = RawFileScanner.canonicalRoot(URL(fileURLWithPath: options.rawDirectory, isDirectory: true)).path + "/"
        let keys = unkeyed.compactMap { entry -> (fileID: Int64, key: String)? in
            let resolved = URL(fileURLWithPath: entry.path).standardizedFileURL.resolvingSymlinksInPath().path
            guard resolved.hasPrefix(root), resolved.count > root.count else { return nil }
            return (entry.fileID, String(resolved.dropFirst(root.count)))
        }
        let superseded = try warehouse.keyManifestEntries(keys)
        if superseded > 0 {
            logger.warning("\(superseded) files were loaded twice under different spellings of the raw directory; the older copies are now superseded")
        }
    }

    /// What the manifest says about a scanned file.
    enum ManifestVerdict {
        /// Same size and mtime as the loaded version: not re-read.
        case sameStamp
        /// Same content as the loaded version `fileID` (hashed), with a new size or mtime.
        case sameContent(fileID: Int64)
        /// Changed content, with its SHA-256.
        case changed(sha256: String)
        /// No version loaded under this key, or no warehouse to compare with: not hashed here.
        case new
    }

    /// Compares a scanned file with the warehouse's manifest; hashes only when size or mtime changed.
    func manifestVerdict(_ scanned: ScannedFile, warehouse: Warehouse?) throws -> ManifestVerdict {
        guard let warehouse else { return .new }
        let path = scanned.file.displayPath
        guard let previous = try warehouse.manifestEntry(key: scanned.relativePath, path: path) else { return .new }
        if previous.size == scanned.size, previous.mtime == scanned.modified.timeIntervalSince1970 {
            return .sameStamp
        }
        let sha = try RawFileScanner.sha256(of: scanned.file.url, display: path)
        if previous.sha256 == sha { return .sameContent(fileID: previous.fileID) }
        return .changed(sha256: sha)
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

    /// Entries of the raw directory's source folders (not its top level, not hidden) that no scan
    /// planned. A file no definition reads and no `ignore` pattern (a definition's or the
    /// defaults) covers is returned as unclaimed, a warning: a stray note must not fail every cron
    /// run, yet a data file no definition reads must be seen. An entry no scan reached that cannot
    /// be read as a file (a FIFO, a name that is not UTF-8, an unreadable folder) is an error.
    func unclaimedEntries(under rawRoot: URL, excluding claimed: Set<String>,
                          ignoring ignore: [String]) -> (problems: [PlannedFailure], unclaimed: [String]) {
        let root = RawFileScanner.canonicalRoot(rawRoot)
        let listing = RawDirectoryWalker.walk(root: root.path, under: "")
        var unclaimed: [String] = []
        for relative in listing.files where relative.contains("/") && !RawFileScanner.isIgnored(relative, by: ignore) {
            let display = RawFileScanner.displayPath(options.rawDirectory, relative)
            if !claimed.contains(display) { unclaimed.append(display) }
        }
        var problems: [PlannedFailure] = []
        for problem in listing.problems where problem.relativePath.isEmpty || problem.relativePath.contains("/") {
            let display = RawFileScanner.displayPath(options.rawDirectory, problem.relativePath)
            guard !claimed.contains(display) else { continue }
            let message = Diagnostic(problem.message, at: SourceLocation(file: display, line: 1)).description
            problems.append(PlannedFailure(message: message, path: display, source: nil, countsAsFile: true))
        }
        return (problems.sorted { $0.path < $1.path }, unclaimed.sorted())
    }

    /// Loads one file unless the manifest already holds this exact content: extract, then load into
    /// the warehouse's sink inside the file's transaction.
    func loadOne(_ planned: PlannedFile, stages: TradePipeline, warehouse: Warehouse, runID: Int64) throws -> FileOutcome {
        let scanned = planned.scanned
        let path = scanned.file.displayPath
        let mtime = scanned.modified.timeIntervalSince1970
        let sha: String
        var hashing: ConcurrentHash?
        switch try manifestVerdict(scanned, warehouse: warehouse) {
        case .sameStamp:
            return .skipped  // fast path: same size and mtime, not re-read
        case .sameContent(let fileID):
            try warehouse.touchManifest(fileID: fileID, key: scanned.relativePath, size: scanned.size, mtime: mtime)
            return .skipped
        case .changed(let hash):
            sha = hash
        case .new:
            // Nothing to compare the content with: it is hashed on another core while it loads.
            (sha, hashing) = ("", ConcurrentHash(scanned.file.url, display: path))
        }
        // Before the transaction: a file with no reader begins none.
        let rows = try stages.extract.run(planned)
        let identity = FileIdentity(path: path, key: scanned.relativePath, sha256: sha, size: scanned.size, mtime: mtime)
        let summary = try warehouse.loadFile(identity, source: planned.definition.name, runID: runID,
                                             contentHash: hashing.map { hashing in { try hashing.value() } }) { sink in
            _ = try stages.load.run(FileLoad(rows: rows, sink: sink, pipelined: true))
        }
        return .loaded(rows: summary.rowsLoaded, rejected: summary.rowsRejected)
    }
}

/// A file's SHA-256 computed on a background thread; `value()` waits for it.
private final class ConcurrentHash: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the background thread before `done` is signalled, read after waiting on it.
    private var result: Result<String, any Error> = .success("")

    init(_ url: URL, display: String) {
        DispatchQueue.global().async { [self] in
            result = Result { try RawFileScanner.sha256(of: url, display: display) }
            done.signal()
        }
    }

    func value() throws -> String {
        done.wait()
        done.signal()
        return try result.get()
    }
}
