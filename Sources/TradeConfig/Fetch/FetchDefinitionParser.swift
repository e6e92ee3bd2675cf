import Foundation
import TradeCore
import Yams

/// Reads a `fetch:` block with located errors: an unknown key, a missing one or a value out of
/// range is `Pipelines/x.yaml:LINE:COL: error: …` at the key or the value.
enum FetchDefinitionParser {
    /// The keys of `api: comtrade` (the names the UN's own client and the issue's contract use).
    static let comtradeKeys = ["api", "base_url", "key_env", "frequency", "classification", "reporters", "commodities",
                               "flows", "partners", "from", "calls_per_second", "daily_call_budget"]
    /// The keys of `api: http`.
    static let httpKeys = ["api", "urls", "calls_per_second", "daily_call_budget"]
    /// Largest daily budget a definition may declare.
    static let maxBudget = 1_000_000

    static func parse(_ doc: YAMLDocument, node: Node, at location: SourceLocation) throws -> FetchDefinition {
        let pairs = try doc.mapping(node, what: "fetch settings (api, …)")
        guard let apiPair = pairs.first(where: { $0.key == "api" }) else {
            throw Diagnostic("fetch needs \"api\" (comtrade or http)", at: doc.location(node))
        }
        let apiText = try doc.scalar(apiPair.value, what: "api")
        guard let api = FetchDefinition.API(rawValue: apiText) else {
            throw Diagnostic("unknown fetch api \"\(apiText)\" (expected one of: comtrade, http)",
                             at: doc.location(apiPair.value))
        }
        let known = api == .comtrade ? comtradeKeys : httpKeys
        var fetch = FetchDefinition(api: api, baseURL: FetchDefinition.comtradeBaseURL, location: location)
        if api == .http { fetch.dailyCallBudget = 100 }
        var seen: Set<String> = []
        for (key, keyNode, value) in pairs {
            guard known.contains(key) else {
                throw Diagnostic("unknown fetch key \"\(key)\" for api \(api.rawValue) (expected one of: "
                                 + "\(known.joined(separator: ", ")))", at: doc.location(keyNode))
            }
            seen.insert(key)
            try apply(key, value, to: &fetch, doc: doc)
        }
        let required = api == .comtrade ? ["reporters", "commodities", "from"] : ["urls"]
        if let missing = required.first(where: { !seen.contains($0) }) {
            throw Diagnostic("fetch (api \(api.rawValue)) needs \"\(missing)\"", at: doc.location(node))
        }
        if api == .comtrade, let first = pairs.first(where: { $0.key == "from" }) {
            try checkPeriod(fetch.from, frequency: fetch.frequency, at: doc.location(first.value))
        }
        return fetch
    }

    private static func apply(_ key: String, _ value: Node, to fetch: inout FetchDefinition, doc: YAMLDocument) throws {
        let at = doc.location(value)
        switch key {
        case "api":
            break
        case "base_url":
            fetch.baseURL = try url(doc.scalar(value, what: key), at: at)
            guard fetch.baseURL.path.isEmpty || fetch.baseURL.path == "/" else {
                throw Diagnostic("base_url is scheme, host and port only (the API's paths are added)", at: at)
            }
        case "key_env":
            let name = try doc.scalar(value, what: key)
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw Diagnostic("key_env must name an environment variable (letters, digits, _)", at: at)
            }
            fetch.keyEnvironment = name
        case "frequency":
            fetch.frequency = try doc.scalar(value, what: key)
            guard ["M", "A"].contains(fetch.frequency) else {
                throw Diagnostic("frequency must be M or A, found \"\(fetch.frequency)\"", at: at)
            }
        case "classification":
            fetch.classification = try doc.scalar(value, what: key)
            guard !fetch.classification.isEmpty, fetch.classification.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw Diagnostic("classification must be a code such as HS", at: at)
            }
        case "reporters":
            fetch.reporters = try codes(doc, value, what: key, digitsOnly: true)
        case "commodities":
            fetch.commodities = try codes(doc, value, what: key, digitsOnly: false)
        case "flows":
            fetch.flows = try codes(doc, value, what: key, digitsOnly: false)
            if let bad = fetch.flows.first(where: { !["X", "M", "RX", "RM"].contains($0) }) {
                throw Diagnostic("unknown flow \"\(bad)\" (expected X, M, RX or RM)", at: at)
            }
        case "partners":
            if case .scalar(let s) = value, s.string == "all" {
                fetch.partners = nil
            } else {
                fetch.partners = try codes(doc, value, what: key, digitsOnly: true)
            }
        case "from":
            fetch.from = try doc.scalar(value, what: key)
        case "urls":
            let list = try doc.scalarList(value, what: key)
            guard !list.isEmpty else { throw Diagnostic("urls must name at least one URL", at: at) }
            fetch.urls = try list.map { try url($0.0, at: $0.1) }
        case "calls_per_second":
            let rate = try doc.number(value, what: key)
            guard rate > 0, rate <= 100 else {
                throw Diagnostic("calls_per_second must be more than 0 and at most 100", at: at)
            }
            fetch.callsPerSecond = rate
        case "daily_call_budget":
            let text = try doc.scalar(value, what: key)
            guard let budget = Int(text.replacingOccurrences(of: "_", with: "")), (1...maxBudget).contains(budget) else {
                throw Diagnostic("daily_call_budget must be a whole number from 1 to \(maxBudget), found \"\(text)\"", at: at)
            }
            fetch.dailyCallBudget = budget
        default:
            break
        }
    }

    /// A list of codes (a single value counts as one), each plain ASCII letters or digits.
    private static func codes(_ doc: YAMLDocument, _ node: Node, what: String, digitsOnly: Bool) throws -> [String] {
        let list = try doc.scalarList(node, what: what)
        guard !list.isEmpty else { throw Diagnostic("\(what) must name at least one code", at: doc.location(node)) }
        for (code, location) in list {
            let ok = !code.isEmpty && code.allSatisfy { $0.isASCII && ($0.isNumber || (!digitsOnly && $0.isLetter)) }
            guard ok else {
                throw Diagnostic("\(what): \"\(code)\" is not a code (\(digitsOnly ? "digits" : "letters or digits"))",
                                 at: location)
            }
        }
        return list.map(\.0)
    }

    private static func url(_ text: String, at location: SourceLocation) throws -> URL {
        guard let url = URL(string: text), url.host != nil else {
            throw Diagnostic("\"\(text)\" is not a URL", at: location)
        }
        guard FetchDefinition.isAllowed(url) else {
            throw Diagnostic("\"\(text)\" must be https:// (http:// only to a loopback address)", at: location)
        }
        guard url.user == nil, url.password == nil else {
            throw Diagnostic("a URL may not carry credentials; name the key with key_env", at: location)
        }
        return url
    }

    private static func checkPeriod(_ text: String, frequency: String, at location: SourceLocation) throws {
        let pattern = frequency == "M" ? "YYYY-MM" : "YYYY"
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let year = parts.first.flatMap { Int($0) }
        let valid: Bool
        if frequency == "M" {
            valid = parts.count == 2 && parts[0].count == 4 && parts[1].count == 2 && year != nil
                && (1...12).contains(Int(parts[1]) ?? 0)
        } else {
            valid = parts.count == 1 && parts[0].count == 4 && year != nil
        }
        guard valid else { throw Diagnostic("from must be a period \(pattern) (frequency \(frequency)), found \"\(text)\"", at: location) }
    }
}
