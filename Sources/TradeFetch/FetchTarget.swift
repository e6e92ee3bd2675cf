import Foundation
import TradeConfig

/// What a fetcher of one source works with: the source's name and `fetch:` block, the folder its
/// files go to, the HTTP client (pace, budget, tries) and the state that keeps fetches incremental.
public struct FetchTarget {
    public let source: String
    let fetch: FetchDefinition
    /// The folder of the raw directory the files go to, relative (`comtrade-api`).
    let folder: String
    let rawDirectory: URL
    let http: HTTPFetcher
    let state: any FetchState

    public init(source: String, fetch: FetchDefinition, folder: String, rawDirectory: URL, http: HTTPFetcher,
                state: any FetchState) {
        self.source = source
        self.fetch = fetch
        self.folder = folder
        self.rawDirectory = rawDirectory
        self.http = http
        self.state = state
    }
}
