import Foundation
import TradeCore

/// What the whole trade holds, without its figures: per source, the months and years published for
/// each declarer, the first month each code appears, and which code families and partners each
/// declarer's flows cover. Detection works one code family at a time (`FamilyDetection`); the
/// outline is what a family's cube needs to know of the others — which source answers for a
/// declarer, whether a month is covered, whether a pair trades at all.
///
/// Its size follows the series, not the rows: one entry per source, declarer, flow, partner and
/// code family, plus one per source and code.
public struct TradeOutline: Sendable {
    var sources: [String: SourceOutline] = [:]

    public init() {}

    /// Counts one current trade row (its figures are not needed).
    public mutating func add(source: String, reporter: String, partner: String, flow: Flow, hsCode: String, period: Period) {
        sources[source, default: SourceOutline()].add(reporter: reporter, partner: partner, flow: flow, code: hsCode, period: period)
    }

    /// The outline of rows already summed into a builder.
    init(_ builder: TradeCubeBuilder) {
        for (name, source) in builder.sources {
            var outline = SourceOutline()
            outline.months = source.months
            outline.annualYears = source.annualYears
            for (declarer, byFlow) in source.data {
                for (flow, byCode) in byFlow {
                    for (code, byPartner) in byCode {
                        let family = TradeCube.family(code)
                        outline.families[declarer, default: [:]][flow, default: []].insert(family)
                        for (partner, series) in byPartner {
                            outline.partnerFamilies[declarer, default: [:]][flow, default: [:]][partner, default: []].insert(family)
                            guard let p = series.keys.first else { continue }
                            outline.firstSeen[code] = min(outline.firstSeen[code] ?? .max, TradeCube.firstMonth(p))
                        }
                    }
                }
            }
            sources[name] = outline
        }
    }

    /// The code families (4-digit headings, a shorter code its own) whose codes are prefixes of
    /// other families' codes: the 2-digit chapters (and 3-digit codes) someone declared.
    var shortCodeChapters: Set<String> {
        var out = Set<String>()
        for source in sources.values {
            for code in source.firstSeen.keys where code.utf8.count < 4 { out.insert(String(code.prefix(2))) }
        }
        return out
    }
}

/// One source's part of a `TradeOutline`.
struct SourceOutline: Sendable {
    /// Declarer → months published (month index) / years with annual rows.
    var months: [String: Set<Int>] = [:]
    var annualYears: [String: Set<Int>] = [:]
    /// Code → the first month index any declarer published it (an annual row counts from January).
    var firstSeen: [String: Int] = [:]
    /// Declarer → flow → code families declared.
    var families: [String: [Flow: Set<String>]] = [:]
    /// Declarer → flow → partner → code families declared with that partner.
    var partnerFamilies: [String: [Flow: [String: Set<String>]]] = [:]

    mutating func add(reporter: String, partner: String, flow: Flow, code: String, period: Period) {
        if let month = period.month {
            months[reporter, default: []].insert(period.year * 12 + month - 1)
        } else {
            annualYears[reporter, default: []].insert(period.year)
        }
        let first = TradeCube.firstMonth(period)
        if first < firstSeen[code] ?? .max { firstSeen[code] = first }
        let family = TradeCube.family(code)
        families[reporter, default: [:]][flow, default: []].insert(family)
        partnerFamilies[reporter, default: [:]][flow, default: [:]][partner, default: []].insert(family)
    }
}

/// The outline of a set of sources resolved for a `TradeCube`: which source answers for each
/// declarer, flow and family, and the coverage lookups. Built once and shared by every family's cube.
final class CubeOutline: Sendable {
    let sourceNames: [String]
    /// Per source index: declarer → months published / years with annual rows.
    let sourceMonths: [[String: MonthSet]]
    let sourceYears: [[String: Set<Int>]]
    /// Per source index: code → the first month index any declarer published it, and the codes sorted.
    let sourceFirstSeen: [[String: Int]]
    let sourceCodes: [[String]]
    /// Declarer → flow → family → index into `sourceNames` of the source that answers for it.
    let chosen: [String: [Flow: [String: Int]]]
    /// Declarer → flow → partners its answering sources declared trade with, in any family.
    let traded: [String: [Flow: Set<String>]]

    /// Each declarer, flow and code family is read from one source: the one `precedence` ranks first
    /// (then the longer history, then the name).
    init(_ sources: [String: SourceOutline], precedence: SourcePrecedence) {
        sourceNames = sources.keys.sorted()
        let outlines = sourceNames.map { sources[$0]! }
        let months = outlines.map { $0.months.mapValues(MonthSet.init) }
        let years = outlines.map(\.annualYears)
        (sourceMonths, sourceYears) = (months, years)
        sourceFirstSeen = outlines.map(\.firstSeen)
        sourceCodes = outlines.map { $0.firstSeen.keys.sorted() }
        // The first month each source covers each declarer: the tie-break after the rank.
        func start(_ s: Int, _ declarer: String) -> Int {
            min(months[s][declarer]?.firstMember ?? .max, (years[s][declarer]?.min()).map { $0 * 12 } ?? .max)
        }
        var chosen: [String: [Flow: [String: Int]]] = [:]
        for (s, name) in sourceNames.enumerated() {
            for (declarer, byFlow) in outlines[s].families {
                for (flow, families) in byFlow {
                    for family in families {
                        if let other = chosen[declarer]?[flow]?[family] {
                            let a = (precedence.rank(source: name, declarer: declarer), start(s, declarer), name)
                            let b = (precedence.rank(source: sourceNames[other], declarer: declarer), start(other, declarer),
                                     sourceNames[other])
                            if a < b { chosen[declarer]![flow]![family] = s }
                        } else {
                            chosen[declarer, default: [:]][flow, default: [:]][family] = s
                        }
                    }
                }
            }
        }
        var traded: [String: [Flow: Set<String>]] = [:]
        for (s, outline) in outlines.enumerated() {
            for (declarer, byFlow) in outline.partnerFamilies {
                for (flow, byPartner) in byFlow {
                    for (partner, families) in byPartner where families.contains(where: { chosen[declarer]?[flow]?[$0] == s }) {
                        traded[declarer, default: [:]][flow, default: []].insert(partner)
                    }
                }
            }
        }
        (self.chosen, self.traded) = (chosen, traded)
    }
}

/// The outlines a `TradeCube` and its per-source and per-publisher cubes use.
struct OutlineSet: Sendable {
    let all: CubeOutline
    /// One per source, when there are several.
    let perSource: [(name: String, outline: CubeOutline)]
    /// One per publisher, when there are several.
    let publishers: [(name: String, outline: CubeOutline)]

    init(_ outline: TradeOutline, precedence: SourcePrecedence) {
        let sources = outline.sources
        all = CubeOutline(sources, precedence: precedence)
        perSource = sources.count > 1
            ? sources.keys.sorted().map { ($0, CubeOutline([$0: sources[$0]!], precedence: precedence)) } : []
        let byPublisher = Dictionary(grouping: sources.keys) { precedence.publisher(of: $0) }
        publishers = byPublisher.count > 1
            ? byPublisher.keys.sorted().map { name in
                (name, CubeOutline(sources.filter { byPublisher[name]!.contains($0.key) }, precedence: precedence))
            } : []
    }
}
