import Foundation
import TradeConfig

/// One Comtrade data call: a reporter, up to 12 periods, the flows and partners asked together.
struct ComtradeQuery: Hashable, Sendable {
    var reporter: String
    var periods: [String]
    var flows: [String]
    /// nil: every partner.
    var partners: [String]?

    /// Periods one call may name (the API's limit).
    static let maxPeriods = 12

    /// The narrower calls that together ask the same, when an answer reached the cap: by period,
    /// then by flow, then by partner; nil when it cannot be narrowed further.
    func splits() -> [ComtradeQuery]? {
        if periods.count > 1 {
            return periods.map { ComtradeQuery(reporter: reporter, periods: [$0], flows: flows, partners: partners) }
        }
        if flows.count > 1 {
            return flows.map { ComtradeQuery(reporter: reporter, periods: periods, flows: [$0], partners: partners) }
        }
        if let partners, partners.count > 1 {
            return partners.map { ComtradeQuery(reporter: reporter, periods: periods, flows: flows, partners: [$0]) }
        }
        return nil
    }

    /// The call's URL: the data endpoint with a key, the public preview without. The key is never
    /// part of it (it goes in a header).
    func url(_ fetch: FetchDefinition, keyed: Bool) -> URL {
        let path = keyed ? "/data/v1/get/C/\(fetch.frequency)/\(fetch.classification)"
            : "/public/v1/preview/C/\(fetch.frequency)/\(fetch.classification)"
        var items = [URLQueryItem(name: "reporterCode", value: reporter),
                     URLQueryItem(name: "period", value: periods.joined(separator: ",")),
                     URLQueryItem(name: "cmdCode", value: fetch.commodities.joined(separator: ",")),
                     URLQueryItem(name: "flowCode", value: flows.joined(separator: ","))]
        if let partners { items.append(URLQueryItem(name: "partnerCode", value: partners.joined(separator: ","))) }
        items += [URLQueryItem(name: "partner2Code", value: "0"), URLQueryItem(name: "customsCode", value: "C00"),
                  URLQueryItem(name: "motCode", value: "0"), URLQueryItem(name: "breakdownMode", value: "classic"),
                  URLQueryItem(name: "includeDesc", value: "true")]
        return Self.url(fetch.baseURL, path: path, items: items)
    }

    /// The availability call (`getDa`): `lastReleased` per reporter and period.
    static func availabilityURL(_ fetch: FetchDefinition) -> URL {
        url(fetch.baseURL, path: "/data/v1/getDa/C/\(fetch.frequency)/\(fetch.classification)",
            items: [URLQueryItem(name: "reporterCode", value: fetch.reporters.joined(separator: ","))])
    }

    static func url(_ base: URL, path: String, items: [URLQueryItem]) -> URL {
        var components = URLComponents()
        components.scheme = base.scheme
        components.host = base.host
        components.port = base.port
        components.path = path
        components.queryItems = items
        return components.url!
    }

    /// `2023-01` → `202301` (the API's spelling of a period); a year stays as it is.
    static func apiPeriod(_ period: String) -> String {
        period.replacingOccurrences(of: "-", with: "")
    }

    /// The periods from `first` (API spelling) through the last one complete before `now`: the
    /// previous month, or the previous year.
    static func periods(from first: String, frequency: String, now: Date) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let today = calendar.dateComponents([.year, .month], from: now)
        guard let thisYear = today.year, let thisMonth = today.month, let firstYear = Int(first.prefix(4)) else { return [] }
        if frequency == "A" {
            return firstYear < thisYear ? (firstYear..<thisYear).map(String.init) : []
        }
        guard let firstMonth = Int(first.dropFirst(4)) else { return [] }
        var out: [String] = []
        var (year, month) = (firstYear, firstMonth)
        while (year, month) < (thisYear, thisMonth) {
            out.append(String(format: "%04d%02d", year, month))
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return out
    }
}
