/// One exchange of a fetch, as logged: the URL never carries the key.
public struct FetchCall: Sendable, Hashable {
    public var source: String
    public var url: String
    /// nil: no HTTP answer (refused, timed out, not called because the budget was spent).
    public var httpStatus: Int?
    public var records: Int?
    /// Files written, relative to the raw directory.
    public var files: [String]
    public var lastReleased: String?
    public var error: String?
    /// HTTP tries made (0: not called).
    public var tries: Int

    public init(source: String, url: String, httpStatus: Int? = nil, records: Int? = nil, files: [String] = [],
                lastReleased: String? = nil, error: String? = nil, tries: Int = 0) {
        self.source = source
        self.url = url
        self.httpStatus = httpStatus
        self.records = records
        self.files = files
        self.lastReleased = lastReleased
        self.error = error
        self.tries = tries
    }

    /// Takes the tries and last status of a call whose tries ran out.
    mutating func note(_ failure: FetchFailure) {
        if case .triesExhausted(let tries, let status, _) = failure {
            self.tries = tries
            httpStatus = status
        }
    }
}
