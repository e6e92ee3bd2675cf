/// One HTTP exchange of `tradewatch fetch`, as the `fetches` view shows it.
public struct FetchCallRecord: Sendable, Hashable {
    public var runID: Int64
    public var source: String
    /// The URL without any key.
    public var url: String
    /// nil: no HTTP answer (refused, timed out, budget spent before the call).
    public var httpStatus: Int?
    public var records: Int?
    /// The file written, relative to the raw directory.
    public var file: String?
    public var lastReleased: String?
    public var error: String?
    public var tries: Int

    public init(runID: Int64, source: String, url: String, httpStatus: Int? = nil, records: Int? = nil,
                file: String? = nil, lastReleased: String? = nil, error: String? = nil, tries: Int = 0) {
        self.runID = runID
        self.source = source
        self.url = url
        self.httpStatus = httpStatus
        self.records = records
        self.file = file
        self.lastReleased = lastReleased
        self.error = error
        self.tries = tries
    }
}
