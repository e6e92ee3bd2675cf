/// How a run ended, as shown in `runs.status`.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case succeeded, failed, partial
}

/// File and row counts of one run, written to the run ledger when it finishes.
public struct RunCounts: Sendable, Hashable {
    public var filesSeen: Int
    public var filesLoaded: Int
    /// Unchanged files skipped because their content was already loaded.
    public var filesSkipped: Int
    public var filesFailed: Int
    public var rowsLoaded: Int
    public var rowsRejected: Int

    public init(filesSeen: Int = 0, filesLoaded: Int = 0, filesSkipped: Int = 0, filesFailed: Int = 0,
                rowsLoaded: Int = 0, rowsRejected: Int = 0) {
        self.filesSeen = filesSeen
        self.filesLoaded = filesLoaded
        self.filesSkipped = filesSkipped
        self.filesFailed = filesFailed
        self.rowsLoaded = rowsLoaded
        self.rowsRejected = rowsRejected
    }
}

/// One row of the `runs` view.
public struct RunRecord: Sendable, Hashable {
    public var id: Int64
    public var command: String
    /// ISO-8601 UTC.
    public var startedAt: String
    /// nil while the run is still going (or died without finishing).
    public var finishedAt: String?
    /// `running`, `succeeded`, `failed` or `partial`.
    public var status: String
    public var counts: RunCounts
}
