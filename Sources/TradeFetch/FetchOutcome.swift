/// What one source's fetch did: the files it wrote, the calls it made, and what it could not do.
public struct FetchOutcome: Sendable {
    public var source: String
    /// Files written, relative to the raw directory, in the order written.
    public var files: [String] = []
    /// HTTP tries made.
    public var tries = 0
    /// What was not fetched and why, one sentence each (the budget or the tries ran out, an error
    /// answer, a response that could not be a file). Non-empty: the command exits 1.
    public var failures: [String] = []
    /// Calls a dry run would make, one line each (`GET url`).
    public var planned: [String] = []

    public init(source: String) {
        self.source = source
    }

    public var isComplete: Bool { failures.isEmpty }
}
