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
    // Counts as Int32: a cell is held per figure of a code family, and 40 bytes are 8 fewer than 48.
    private var storedRowsWithKg: Int32 = 0
    private var storedRows: Int32 = 0
    var rowsWithKg: Int {
        get { Int(storedRowsWithKg) }
        set { storedRowsWithKg = Int32(truncatingIfNeeded: newValue) }
    }
    var rows: Int {
        get { Int(storedRows) }
        set { storedRows = Int32(truncatingIfNeeded: newValue) }
    }

    var tonnes: Double { kg / 1000 }
    var hasKg: Bool { rowsWithKg > 0 }
    var kgEstimated: Bool { estimatedKg > 0 }

    init() {}

    init(_ row: TradeRow) {
        storedRows = 1
        if let q = row.quantityKg, q.isFinite, q >= 0 {
            kg = q
            storedRowsWithKg = 1
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
        storedRowsWithKg += o.storedRowsWithKg
        storedRows += o.storedRows
    }

    /// USD with the CIF part brought to an FOB basis by dividing out `allowance` (0.06 = 6 %).
    func usdFOB(allowance: Double) -> Double { usd - usdCIF * allowance / (1 + allowance) }
}

/// Trade rows indexed by declarer, flow, declared code, partner and period, with the
/// aggregation rules every detector shares:
///
/// * **One source per question.** Each declarer, flow and code family (the 4-digit heading) is read
///   from one source: the one `SourcePrecedence` ranks first (then the longer history, then the
///   name). Two sources of one declarer are never summed or mixed in a series; the losing sources'
///   figures stay in the per-publisher cubes (`publishers`) and in `source_conflict`.
/// * A *key* is a code prefix. A declarer's value at key `k` sums the declarer's codes that start
///   with `k` at the shortest such length (so a Comtrade extract carrying both `2846` and `284690`
///   is not double counted, and China's 8-digit lines add up to their 6-digit heading).
/// * Totals use the declarer's `WLD` row for a period when there is one, else the sum of partners.
/// * **Coverage, not zero.** A key is covered in a month when its source published anything for the
///   declarer that month, from the month that source first carried the key's goods (for anyone) on.
///   Inside coverage a missing cell is a true zero; outside it the value is unknown and detectors
///   give no verdict.
struct TradeCube: Sendable {
    private var data: [String: [Flow: [String: [String: Series]]]] = [:]
    /// What the cube's sources hold as a whole (which source answers for what, coverage, first
    /// months): the same for every family's cube, so shared.
    let outline: CubeOutline
    var sourceNames: [String] { outline.sourceNames }
    /// Each declarer's codes per flow, sorted.
    private var sortedCodes: [String: [Flow: [String]]] = [:]
    /// Every declared code, sorted.
    private(set) var allCodes: [String] = []
    /// Cubes of one publisher each (all Comtrade sources are one publisher; any other source is its
    /// own), for comparisons that must be like with like. Empty when there is one publisher only.
    private(set) var publishers: [(name: String, cube: TradeCube)] = []
    /// Cubes of one source each, for comparing what two sources say of the same figures. Empty when
    /// there is one source only.
    private(set) var perSource: [(name: String, cube: TradeCube)] = []

    /// Builds the cube from rows taken in the order given: callers pass rows in an order that does
    /// not depend on how they were loaded (`canonicalOrder`, or the warehouse's natural-key order), so
    /// sums of several rows always add up the same way. The rows are the whole of the trade.
    init(_ builder: TradeCubeBuilder, precedence: SourcePrecedence = SourcePrecedence()) {
        self.init(builder, outlines: OutlineSet(TradeOutline(builder), precedence: precedence))
    }

    /// A cube of part of the trade (whole code families), with `outlines` of the whole: coverage,
    /// the answering sources and the pairs that trade are those of the whole warehouse.
    init(_ builder: TradeCubeBuilder, outlines: OutlineSet) {
        self.init(builder.sources, outline: outlines.all)
        perSource = outlines.perSource.map { entry in
            (entry.name, TradeCube(builder.sources.filter { $0.key == entry.name }, outline: entry.outline))
        }
        publishers = outlines.publishers.map { entry in
            (entry.name, TradeCube(builder.sources.filter { entry.outline.sourceNames.contains($0.key) }, outline: entry.outline))
        }
    }

    private init(_ sources: [String: SourceData], outline: CubeOutline) {
        self.outline = outline
        var codes = Set<String>()
        for (name, source) in sources {
            guard let s = outline.sourceNames.firstIndex(of: name) else { continue }
            for (declarer, byFlow) in source.data {
                for (flow, byCode) in byFlow {
                    guard let families = outline.chosen[declarer]?[flow] else { continue }
                    for (code, byPartner) in byCode where families[Self.family(code)] == s {
                        data[declarer, default: [:]][flow, default: [:]][code] = byPartner
                    }
                }
            }
        }
        for (declarer, byFlow) in data {
            for (flow, byCode) in byFlow {
                let sorted = byCode.keys.sorted()
                sortedCodes[declarer, default: [:]][flow] = sorted
                codes.formUnion(sorted)
            }
        }
        allCodes = codes.sorted()
    }

    /// The first month source `s` published a line of the goods of `key`: a code starting with the
    /// key, or a shorter code the key refines. Before it the source did not carry these goods at all.
    private func firstPublished(_ s: Int, key: String) -> Int {
        var first = Int.max
        let codes = outline.sourceCodes[s], firstSeen = outline.sourceFirstSeen[s]
        var i = codes.sortedInsertionIndex(of: key)
        while i < codes.count, codes[i].hasPrefix(key) {
            first = min(first, firstSeen[codes[i]]!)
            i += 1
        }
        for n in stride(from: 2, to: key.utf8.count, by: 2) {
            if let f = firstSeen[String(key.prefix(n))] { first = min(first, f) }
        }
        return first
    }

    /// The heading a code belongs to (a shorter code is its own family).
    static func family(_ code: String) -> String { code.utf8.count > 4 ? String(code.prefix(4)) : code }

    static func firstMonth(_ p: Period) -> Int { p.month == nil ? p.year * 12 : p.monthIndex }
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

    // MARK: - Sources and coverage

    /// The source whose figures the key's series are (nil when the declarer has no such key).
    func source(_ declarer: String, _ flow: Flow, key: String) -> String? {
        outline.chosen[declarer]?[flow]?[Self.family(levelCodes(declarer, flow, key: key).first ?? key)].map { sourceNames[$0] }
    }

    /// What the key's source published for the declarer, from the month the source first carried the
    /// key's goods (for any declarer) on.
    func coverage(_ declarer: String, _ flow: Flow, key: String) -> Coverage {
        let level = levelCodes(declarer, flow, key: key)
        guard let code = level.first, let s = outline.chosen[declarer]?[flow]?[Self.family(code)] else { return Coverage() }
        return Coverage(months: outline.sourceMonths[s][declarer] ?? MonthSet([]), annualYears: outline.sourceYears[s][declarer] ?? [],
                        from: firstPublished(s, key: key))
    }

    /// Everything the declarer's chosen sources published, whatever the code: for comparisons of a
    /// whole pair (mirror gaps), where no one key decides.
    func declarerCoverage(_ declarer: String) -> Coverage {
        let used = Set((outline.chosen[declarer] ?? [:]).values.flatMap(\.values))
        var months = Set<Int>(), years = Set<Int>()
        for s in used {
            months.formUnion(outline.sourceMonths[s][declarer]?.members ?? [])
            years.formUnion(outline.sourceYears[s][declarer] ?? [])
        }
        return Coverage(months: MonthSet(months), annualYears: years, from: .min)
    }

    /// The declarer published anything in the flow, in any code family (not only this cube's).
    func publishes(_ declarer: String, _ flow: Flow) -> Bool {
        !(outline.chosen[declarer]?[flow]?.isEmpty ?? true)
    }

    /// The declarer's answering sources declared some flow with the partner, in any code family.
    func trades(_ declarer: String, _ flow: Flow, partner: String) -> Bool {
        outline.traded[declarer]?[flow]?.contains(partner) ?? false
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

/// The periods in which one key's source published the declarer: inside them a missing figure is a
/// true zero, outside them it is unknown.
struct Coverage: Sendable {
    /// Months the source published anything for the declarer.
    var months = MonthSet([])
    /// Years the source published annual rows for the declarer.
    var annualYears: Set<Int> = []
    /// The first month index the key appears in its source (earlier periods are not covered).
    var from = Int.max

    func contains(_ month: Int) -> Bool { month >= from && months.contains(month) }

    var hasMonthlyData: Bool { months.last.map { $0 >= from } ?? false }

    /// The last month the source published the declarer.
    var lastMonth: Int? { hasMonthlyData ? months.last : nil }

    /// The source published something for `year` (an annual row or any month).
    func yearCovered(_ year: Int) -> Bool {
        guard year * 12 + 11 >= from else { return false }
        return annualYears.contains(year) || (0..<12).contains { contains(year * 12 + $0) }
    }

    /// The source published all twelve months of `year` (annual rows do not count).
    func monthsComplete(_ year: Int) -> Bool {
        (0..<12).allSatisfy { contains(year * 12 + $0) }
    }

    /// The source published the whole of `year` (an annual row or all twelve months).
    func yearComplete(_ year: Int) -> Bool {
        (annualYears.contains(year) && year * 12 + 11 >= from) || monthsComplete(year)
    }

    /// Years covered, sorted.
    var coveredYears: [Int] {
        var years = annualYears.filter { $0 * 12 + 11 >= from }
        for m in months.members where m >= from { years.insert(m / 12) }
        return years.sorted()
    }
}

/// One source's rows, summed into cells.
struct SourceData: Sendable {
    /// Declarer → flow → code → partner → series.
    var data: [String: [Flow: [String: [String: TradeCube.Series]]]] = [:]
    var months: [String: Set<Int>] = [:]
    var annualYears: [String: Set<Int>] = [:]

    mutating func add(_ row: TradeRow) {
        data[row.reporter, default: [:]][row.flow, default: [:]][row.hsCode, default: [:]][row.partner, default: [:]][row.period, default: Cell()]
            .add(Cell(row))
        if let month = row.period.month {
            months[row.reporter, default: []].insert(row.period.year * 12 + month - 1)
        } else {
            annualYears[row.reporter, default: []].insert(row.period.year)
        }
    }
}

/// Collects trade rows into the cells of a `TradeCube`, one row at a time and per source, so a
/// caller can stream rows from the warehouse without holding them.
public struct TradeCubeBuilder: Sendable {
    var sources: [String: SourceData] = [:]

    public init() {}

    /// Adds a row of `source` (the warehouse's pipeline name; rows of tests may leave it empty).
    public mutating func add(_ row: TradeRow, source: String = "") {
        sources[source, default: SourceData()].add(row)
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

    /// The smallest and largest member (nil when empty).
    var firstMember: Int? { bits.isEmpty ? nil : first }
    var last: Int? { bits.isEmpty ? nil : first + bits.count - 1 }
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
