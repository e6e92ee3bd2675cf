import Foundation
import TradeCore
import TradeConfig
import TradeWarehouse
import TradeIngest
import TradeAnalysis

/// The stages of TradeWatch and the types that pass between them, in the order a row meets them.
///
///     FetchRequest (the sources with a fetch: block) ──fetch──▶ FetchSummary (files written to Raw/)
///     PlannedFile ──extract──▶ FileRows ──(each record: normalize)──▶ RowOutcome ──load──▶ a RowSink
///     DetectionRequest (the warehouse) ──detect──▶ Detection (findings, cases)
///     ReportRequest (the warehouse, the run) ──report──▶ the path of latest.html
///
/// - **fetch** (`FetchRequest → FetchSummary`), with `run --fetch` or `tradewatch fetch`: each source
///   with a `fetch:` block downloads what is new into its `Raw/` folder (`CommandRunner.fetchStage`),
///   where the scan then finds it like any other file.
/// - **extract** (`PlannedFile → FileRows`): a raw file a source definition claims, scanned and
///   compared with the manifest (`CommandRunner.planFiles`, `manifestVerdict`), gets its reader —
///   looked up here, once per file, from the definition's format (`SourceReaders`). Nothing is read
///   yet: `FileRows` reads the file when its rows are iterated.
/// - **normalize** happens inside the reader, record by record: a container reader (CSV, XLSX,
///   SDMX-ML, Comtrade JSON) hands each located record to the format's normalizer, which makes a
///   `RowOutcome` — a canonical row (`TradeRow`, `MineralStat`, `CommodityRow`,
///   `SeriesObservation`) or a `RejectedRow` with file, line, column and reason.
/// - **load** (`FileLoad → Int`, the outcomes handed over): one loop for `load` and
///   `load --dry-run`, with two sinks. A load's sink is the warehouse's `FileLoadSink`, inside
///   the file's one transaction (`Warehouse.loadFile`); the reader then runs on a worker thread
///   (`TwoThreadStream`) and the sink on this one, which owns the database connection. A dry run's
///   sink is a `CountingSink`, on one thread. A file that changed while it was read is refused.
/// - **detect** (`DetectionRequest → Detection`): every detector over the warehouse's current
///   figures; the findings grouped into cases and stored (`CommandRunner.detectStage`).
/// - **report** (`ReportRequest → String`): HTML, Markdown and JSON for the run
///   (`CommandRunner.reportStage`).
///
/// Each stage is a `PipelineStage`: a typed `(Input) throws -> Output` with hooks run before and
/// after it. `CommandRunner.pipeline(reference:progress:)` builds the one used by every command;
/// `docs/ARCHITECTURE.md` follows one row through it.
struct TradePipeline {
    var fetch: PipelineStage<FetchRequest, FetchSummary>
    var extract: PipelineStage<PlannedFile, FileRows>
    var load: PipelineStage<FileLoad, Int>
    var detect: PipelineStage<DetectionRequest, Detection>
    var report: PipelineStage<ReportRequest, String>
}

/// One stage: hooks that see the input, the transition, hooks that see the output.
struct PipelineStage<Input, Output> {
    var name: String
    var before: [(Input) throws -> Void] = []
    var transition: (Input) throws -> Output
    var after: [(Output) throws -> Void] = []

    init(_ name: String, before: [(Input) throws -> Void] = [], after: [(Output) throws -> Void] = [],
         _ transition: @escaping (Input) throws -> Output) {
        self.name = name
        self.before = before
        self.transition = transition
        self.after = after
    }

    func run(_ input: Input) throws -> Output {
        for hook in before { try hook(input) }
        let output = try transition(input)
        for hook in after { try hook(output) }
        return output
    }
}

/// A raw file a source definition claims, found by the scan (not read yet).
struct PlannedFile {
    var definition: SourceDefinition
    var scanned: ScannedFile
}

/// One file's rows: the file with its reader. Reading and normalizing happen as they are iterated.
struct FileRows {
    let file: PlannedFile
    let reader: any SourceReader
    let reference: ReferenceData

    /// Hands every outcome to `body`, in the file's order; refuses a file that changed while it was
    /// read (it would mix two versions).
    ///
    /// With `pipelined`, the reader runs on a worker thread and `body` on this one, in batches of
    /// 1024 outcomes with at most 4 batches waiting: parsing and loading use both cores, in flat
    /// memory, and a reader error reaches `body`'s caller only after every outcome emitted before it.
    /// Without, both run here: for a body as light as counting, handing rows to another thread
    /// costs more than it saves (measured in `make bench`, SDMX dry run).
    func forEach(pipelined: Bool, _ body: (RowOutcome) throws -> Void) throws {
        func readWhole(_ emit: (RowOutcome) throws -> Void) throws {
            try reader.read(file.scanned.file, definition: file.definition, reference: reference, emit: emit)
            try checkUnchanged()
        }
        guard pipelined else { return try readWhole(body) }
        try TwoThreadStream.stream(batchSize: 1024, batchesAhead: 4, produce: readWhole, consume: body)
    }

    /// Refuses a file whose size or mtime differs from the scan's: it changed while it was read.
    private func checkUnchanged() throws {
        let scanned = file.scanned
        let attributes = try FileManager.default.attributesOfItem(atPath: scanned.file.url.path)
        let sizeAfter = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let mtimeAfter = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        if sizeAfter != scanned.size || mtimeAfter != scanned.modified.timeIntervalSince1970 {
            throw Diagnostic("file changed while being read (size \(scanned.size) → \(sizeAfter) bytes); it will be loaded on the next run",
                             at: SourceLocation(file: scanned.file.displayPath, line: 1), source: file.definition.name)
        }
    }
}

/// Where the load stage puts a file's outcomes.
protocol RowSink: AnyObject {
    func add(_ outcome: RowOutcome) throws
}

/// A load: the warehouse stores each outcome in the file's transaction (repeated keys and rows the
/// schema refuses become rejected rows there).
extension FileLoadSink: RowSink {}

/// A dry run: the outcomes are counted, nothing is written.
final class CountingSink: RowSink {
    /// Canonical rows (trade, mineral, commodity and series rows).
    private(set) var rows = 0
    private(set) var rejected = 0

    func add(_ outcome: RowOutcome) throws {
        switch outcome {
        case .rejected: rejected += 1
        case .trade, .mineral, .commodity, .observation: rows += 1
        }
    }
}

/// The load stage's input: a file's rows and the sink they go to.
struct FileLoad {
    var rows: FileRows
    var sink: any RowSink
    /// Read on a worker thread while the sink works on this one (see `FileRows.forEach`).
    var pipelined: Bool
}

/// The fetch stage's input.
struct FetchRequest {
    var warehouse: Warehouse
    var runID: Int64
    var sources: [SourceDefinition]
}

/// The detect stage's input.
struct DetectionRequest {
    var warehouse: Warehouse
    var runID: Int64
    var settings: DetectorSettings
}

/// The detect stage's output: the findings and the cases they form, as stored.
struct Detection {
    var findings: [Anomaly]
    var cases: [TradeCase]
}

/// The report stage's input. `ending`: how a run still open in the ledger is about to end.
struct ReportRequest {
    var warehouse: Warehouse
    var runID: Int64
    var filter: ReportFilter
    var ending: RunEnding?
}

extension CommandRunner {
    /// The stages as every command runs them. `progress` counts the rows the load stage hands over.
    func pipeline(reference: ReferenceData, progress: ProgressLine? = nil) -> TradePipeline {
        let now = options.now ?? Date()
        return TradePipeline(
            fetch: fetchPipelineStage(),
            extract: PipelineStage("extract") { planned in
                let definition = planned.definition
                guard let reader = SourceReaders.reader(for: definition.format, now: now) else {
                    throw Diagnostic("no reader for format \(definition.format.rawValue)",
                                     at: definition.location(of: "format"), source: definition.name)
                }
                return FileRows(file: planned, reader: reader, reference: reference)
            },
            load: PipelineStage("load", before: [{ job in
                progress?.startFile(job.rows.file.scanned.file.displayPath, size: job.rows.file.scanned.size)
            }]) { job in
                var handed = 0
                try job.rows.forEach(pipelined: job.pipelined) { outcome in
                    try job.sink.add(outcome)
                    handed += 1
                    progress?.row()
                }
                return handed
            },
            detect: PipelineStage("detect") { request in
                let (findings, cases) = try detectStage(warehouse: request.warehouse, runID: request.runID,
                                                        settings: request.settings)
                return Detection(findings: findings, cases: cases)
            },
            report: PipelineStage("report") { request in
                try reportStage(warehouse: request.warehouse, runID: request.runID, filter: request.filter,
                                ending: request.ending)
            })
    }

    /// The fetch stage alone, for `tradewatch fetch` (which reads no reference tables).
    func fetchPipelineStage() -> PipelineStage<FetchRequest, FetchSummary> {
        PipelineStage("fetch") { request in
            try fetchStage(warehouse: request.warehouse, runID: request.runID, sources: request.sources)
        }
    }
}
