/// A source's fetcher: `run` fetches and writes, `plan` lists the calls without making them.
public protocol SourceFetcher {
    func run() throws -> FetchOutcome
    func plan() throws -> FetchOutcome
}

extension ComtradeFetcher: SourceFetcher {}
extension FileFetcher: SourceFetcher {}
