import Foundation
import TradeCore

/// Summed figures of one or more trade rows.
struct Cell: Sendable, Hashable {
    var kg: Double = 0
    var usd: Double = 0
    /// Part of `usd` valued CIF (declared `cif`, or an import of unknown valuation).
    var usdCIF: Double = 0
    /// Kilograms that the publisher estimated.
    var estimatedKg: Double = 0
    var rowsWithKg = 0
    var rows = 0

    var tonnes: Double { kg / 1000 }
    var hasKg: Bool { rowsWithKg > 0 }
    var kgEstimated: Bool { estimatedKg > 0 }

    init() {}

    init(_ row: TradeRow) {
        rows = 1
        if let q = row.quantityKg, q.isFinite, q >= 0 {
            kg = q
            rowsWithKg = 1
            if row.quantityEstimated { estimatedKg = q }
        }
        if let v = row.valueUSD, v.isFinite {
            usd = v
            let cif = row.valuation == .cif || (row.valuation == .unknown && (row.flow == .import || row.flow == .reImport))
            if cif { usdCIF = v }
        }
    }

    mutating func add(_ o: Cell) {
        kg += o.kg
        usd += o.usd
        usdCIF += o.usdCIF
        estimatedKg += o.estimatedKg
        rowsWithKg += o.rowsWithKg
        rows += o.rows
    }

    /// USD with the CIF part brought to an FOB basis by dividing out `allowance` (0.06 = 6 %).
    func usdFOB(allowance: Double) -> Double { usd - usdCIF * allowance / (1 + allowance) }
}

/// Trade rows indexed by declarer, flow, declared code, partner and period, with the
/// aggregation rules every detector shares:
///
/// * A *key* is a code prefix. A declarer's value at key `k` sums the declarer's codes that start
///   with `k` at the shortest such length (so a Comtrade extract carrying both `2846` and `284690`
///   is not double counted, and China's 8-digit lines add up to their 6-digit heading).
/// * Totals use the declarer's `WLD` row for a period when there is one, else the sum of partners.
/// * A declarer *covers* a month when it declared anything that month (missing then means zero).
struct TradeCube: Sendable {
    private var data: [String: [Flow: [String: [String: Series]]]] = [:]
    private var monthsCovered: [String: MonthSet] = [:]
    private var annualYears: [String: Set<Int>] = [:]
    /// Each declarer's codes per flow, sorted.
    private var sortedCodes: [String: [Flow: [String]]] = [:]
    /// Every declared code, sorted.
    private(set) var allCodes: [String] = []
    /// Last covered month index over all declarers.
    private(set) var lastMonthIndex: [String: Int] = [:]

    /// Builds the cube from rows taken in the order given: callers pass rows in an order that does
    /// not depend on how they were loaded (`canonicalOrder`, or the warehouse's natural-key order), so
    /// sums of several rows always add up the same way.
    init(_ builder: TradeCubeBuilder) {
        data = builder.data
        annualYears = builder.annualYears
        lastMonthIndex = builder.months.compactMapValues { $0.max() }
        monthsCovered = builder.months.mapValues(MonthSet.init)
        var codes = Set<String>()
        for (declarer, byFlow) in data {
            for (flow, byCode) in byFlow {
                let sorted = byCode.keys.sorted()
                sortedCodes[declarer, default: [:]][flow] = sorted
                codes.formUnion(sorted)
            }
        }
        allCodes = codes.sorted()
    }

    /// A total order on rows so that the same multiset of rows always sums the same way.
    static func canonicalOrder(_ a: TradeRow, _ b: TradeRow) -> Bool {
        if a.period != b.period { return a.period < b.period }
        if a.reporter != b.reporter { return a.reporter < b.reporter }
        if a.partner != b.partner { return a.partner < b.partner }
        if a.flow != b.flow { return a.flow.rawValue < b.flow.rawValue }
        if a.hsCode != b.hsCode { return a.hsCode < b.hsCode }
        if a.rawLine != b.rawLine { return a.rawLine < b.rawLine }
        if a.quantityKg != b.quantityKg { return (a.quantityKg ?? -1) < (b.quantityKg ?? -1) }
        return (a.valueUSD ?? -1) < (b.valueUSD ?? -1)
    }

    // MARK: - What exists

    func declarers(_ flow: Flow) -> [String] {
        sortedCodes.filter { $0.value[flow] != nil }.keys.sorted()
    }

    func codes(_ declarer: String, _ flow: Flow) -> [String] {
        sortedCodes[declarer]?[flow] ?? []
    }

    /// The declarer declared exactly this code in this flow.
    func declares(_ declarer: String, _ flow: Flow, code: String) -> Bool {
        let all = codes(declarer, flow)
        let i = all.sortedInsertionIndex(of: code)
        return i < all.count && all[i] == code
    }

    /// The declarer's codes that make up key `key`: those starting with it, at the shortest length.
    func levelCodes(_ declarer: String, _ flow: Flow, key: String) -> [String] {
        let all = codes(declarer, flow)
        // Sorted codes: the ones starting with `key` form one run, beginning where `key` would sort.
        var lo = all.sortedInsertionIndex(of: key)
        var matching: [String] = []
        var shortest = Int.max
        while lo < all.count, all[lo].hasPrefix(key) {
            let n = all[lo].utf8.count
            if n < shortest { shortest = n; matching.removeAll(keepingCapacity: true) }
            if n == shortest { matching.append(all[lo]) }
            lo += 1
        }
        return matching
    }

    /// Partners (not `WLD`) the declarer traded the key with, sorted.
    func partners(_ declarer: String, _ flow: Flow, key: String) -> [String] {
        var set = Set<String>()
        for code in levelCodes(declarer, flow, key: key) {
            guard let byPartner = data[declarer]?[flow]?[code] else { continue }
            for p in byPartner.keys where p != "WLD" { set.insert(p) }
        }
        return set.sorted()
    }

    /// The declarer's rows with one partner as declared: code → series (no roll-up, no level choice).
    func bilateral(_ declarer: String, _ flow: Flow, partner: String) -> [String: Series] {
        var out: [String: Series] = [:]
        for (code, byPartner) in data[declarer]?[flow] ?? [:] {
            if let s = byPartner[partner] { out[code] = s }
        }
        return out
    }

    func partnerSeries(_ declarer: String, _ flow: Flow, key: String, partner: String) -> Series {
        let level = levelCodes(declarer, flow, key: key)
        // One code makes up the key (the usual case): its series as stored, no re-summing.
        if level.count == 1 { return data[declarer]?[flow]?[level[0]]?[partner] ?? [:] }
        var out: Series = [:]
        for code in level {
            guard let s = data[declarer]?[flow]?[code]?[partner] else { continue }
            for period in s.keys.sorted() { out[period, default: Cell()].add(s[period]!) }
        }
        return out
    }

    /// World total: the `WLD` row of a period when declared, else the sum over partners.
    func totalSeries(_ declarer: String, _ flow: Flow, key: String) -> Series {
        let world = partnerSeries(declarer, flow, key: key, partner: "WLD")
        var summed: Series = [:]
        for p in partners(declarer, flow, key: key) {
            let s = partnerSeries(declarer, flow, key: key, partner: p)
            for period in s.keys.sorted() { summed[period, default: Cell()].add(s[period]!) }
        }
        for (period, cell) in world { summed[period] = cell }
        return summed
    }

    // MARK: - Coverage

    func monthCovered(_ declarer: String, _ monthIndex: Int) -> Bool {
        monthsCovered[declarer]?.contains(monthIndex) ?? false
    }

    /// The months the declarer published anything in (empty when it published none).
    func coverage(_ declarer: String) -> MonthSet { monthsCovered[declarer] ?? MonthSet([]) }

    func hasMonthlyData(_ declarer: String) -> Bool { !(monthsCovered[declarer]?.isEmpty ?? true) }

    /// The declarer published something for `year` (an annual row or any month).
    func yearCovered(_ declarer: String, _ year: Int) -> Bool {
        if annualYears[declarer]?.contains(year) ?? false { return true }
        return (0..<12).contains { monthCovered(declarer, year * 12 + $0) }
    }

    /// The declarer published all twelve months of `year` (annual rows do not count).
    func monthsComplete(_ declarer: String, _ year: Int) -> Bool {
        (0..<12).allSatisfy { monthCovered(declarer, year * 12 + $0) }
    }

    /// The declarer published the whole of `year` (an annual row or all twelve months).
    func yearComplete(_ declarer: String, _ year: Int) -> Bool {
        if annualYears[declarer]?.contains(year) ?? false { return true }
        return (0..<12).allSatisfy { monthCovered(declarer, year * 12 + $0) }
    }

    /// Years the declarer covers, sorted.
    func coveredYears(_ declarer: String) -> [Int] {
        var years = annualYears[declarer] ?? []
        for m in monthsCovered[declarer]?.members ?? [] { years.insert(m / 12) }
        return years.sorted()
    }

    // MARK: - Reshaping

    /// Calendar-year totals: an annual row when there is one for the year, else the sum of its months.
    static func annual(_ series: Series) -> [Int: Cell] {
        var annualRows: [Int: Cell] = [:]
        var monthSums: [Int: Cell] = [:]
        for period in series.keys.sorted() {
            if period.month == nil { annualRows[period.year, default: Cell()].add(series[period]!) }
            else { monthSums[period.year, default: Cell()].add(series[period]!) }
        }
        return monthSums.merging(annualRows) { _, annual in annual }
    }

    /// Monthly cells keyed by month index (annual rows dropped).
    static func monthly(_ series: Series) -> [Int: Cell] {
        var out: [Int: Cell] = [:]
        for (period, cell) in series where period.month != nil { out[period.monthIndex] = cell }
        return out
    }

    static func hasMonthly(_ series: Series) -> Bool { series.keys.contains { $0.month != nil } }
}

/// Collects trade rows into the cells of a `TradeCube`, one row at a time, so a caller can stream
/// rows from the warehouse without holding them.
public struct TradeCubeBuilder: Sendable {
    fileprivate var data: [String: [Flow: [String: [String: TradeCube.Series]]]] = [:]
    fileprivate var months: [String: Set<Int>] = [:]
    fileprivate var annualYears: [String: Set<Int>] = [:]

    public init() {}

    public mutating func add(_ row: TradeRow) {
        data[row.reporter, default: [:]][row.flow, default: [:]][row.hsCode, default: [:]][row.partner, default: [:]][row.period, default: Cell()]
            .add(Cell(row))
        if let month = row.period.month {
            months[row.reporter, default: []].insert(row.period.year * 12 + month - 1)
        } else {
            annualYears[row.reporter, default: []].insert(row.period.year)
        }
    }
}

/// A set of month indices kept as a bitmap over its range: membership without hashing.
struct MonthSet: Sendable {
    private let first: Int
    private let bits: [Bool]
    var isEmpty: Bool { bits.isEmpty }

    init(_ months: Set<Int>) {
        guard let lo = months.min(), let hi = months.max() else {
            (first, bits) = (0, [])
            return
        }
        var bits = [Bool](repeating: false, count: hi - lo + 1)
        for m in months { bits[m - lo] = true }
        (first, self.bits) = (lo, bits)
    }

    @inline(__always)
    func contains(_ month: Int) -> Bool {
        let i = month - first
        return i >= 0 && i < bits.count && bits[i]
    }

    var members: [Int] { bits.indices.filter { bits[$0] }.map { $0 + first } }
}

extension Array where Element: Comparable {
    /// In a sorted array: the index of the first element not less than `value` (where `value` is, or
    /// would be inserted to keep the order). Binary search.
    func sortedInsertionIndex(of value: Element) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
