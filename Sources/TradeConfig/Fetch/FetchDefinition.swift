import Foundation
import TradeCore

/// A source definition's `fetch:` block: where `tradewatch fetch` gets the source's raw files.
///
/// `api: comtrade` asks UN Comtrade's API for the reporters, commodities and periods named;
/// `api: http` downloads published files (`urls:`) with conditional GET. The values are checked
/// when the definition is read, so a fetch never starts with a setting it cannot honour.
public struct FetchDefinition: Sendable, Hashable {
    public enum API: String, Sendable, Hashable, CaseIterable {
        case comtrade
        case http
    }

    public var api: API
    /// Scheme, host and port of the Comtrade API (`https://`, or `http://` to a loopback address).
    public var baseURL: URL
    /// The environment variable holding the subscription key; unset or empty: the public preview.
    public var keyEnvironment: String?
    /// `M` (monthly) or `A` (annual).
    public var frequency: String
    /// Classification code (`HS`).
    public var classification: String
    /// Comtrade reporter codes.
    public var reporters: [String]
    /// Commodity codes, as Comtrade writes them.
    public var commodities: [String]
    /// Flow codes (`X`, `M`, `RX`, `RM`).
    public var flows: [String]
    /// Partner codes; nil: every partner.
    public var partners: [String]?
    /// The first period fetched (`YYYY-MM` for `M`, `YYYY` for `A`).
    public var from: String
    /// Files to download (`api: http`).
    public var urls: [URL]
    /// Calls started per second at most.
    public var callsPerSecond: Double
    /// HTTP calls (tries included) this source may make per UTC day, counted across runs.
    public var dailyCallBudget: Int
    /// Where `fetch:` was written.
    public var location: SourceLocation

    public init(api: API, baseURL: URL, keyEnvironment: String? = nil, frequency: String = "M",
                classification: String = "HS", reporters: [String] = [], commodities: [String] = [],
                flows: [String] = ["X", "M"], partners: [String]? = nil, from: String = "", urls: [URL] = [],
                callsPerSecond: Double = 1, dailyCallBudget: Int = 500, location: SourceLocation) {
        self.api = api
        self.baseURL = baseURL
        self.keyEnvironment = keyEnvironment
        self.frequency = frequency
        self.classification = classification
        self.reporters = reporters
        self.commodities = commodities
        self.flows = flows
        self.partners = partners
        self.from = from
        self.urls = urls
        self.callsPerSecond = callsPerSecond
        self.dailyCallBudget = dailyCallBudget
        self.location = location
    }

    /// UN Comtrade's own API.
    public static let comtradeBaseURL = URL(string: "https://comtradeapi.un.org")!

    /// Whether `url` may be fetched: `https://`, or `http://` to a loopback address (tests).
    public static func isAllowed(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && isLoopback(host)
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
