import Foundation
import TradeCore

/// `source_conflict`: two sources publish the same declarer's flow to the same partner for the same
/// year and goods, and their figures differ. A data-quality finding: one figure answers each
/// question (`SourcePrecedence`), and this says where the figures not chosen disagree with it.
///
/// Method (thresholds in Pipelines/detectors.yaml):
///
/// 1. *Like with like.* Every two sources (`TradeCube.perSource`), every declarer, flow and partner
///    (not `WLD`) both carry rows for. Weights are kg and values USD in both already.
/// 2. *Whole years.* A calendar year is compared where both sources are complete for it and the
///    compared goods: a monthly source's 12 published months summed, an annual row as is (a source
///    that carries both uses the months when all twelve are published, as in `mirror_gap`).
/// 3. *Common code level.* The most detailed code both sources roll up to: one declared it, and the
///    other declared it too or only national lines (more than 6 digits) under it. A 6-digit subheading
///    is never compared with a 4-digit heading it does not fully make up.
/// 4. *Difference.* (larger − smaller) / smaller, capped at `difference_cap`, in kg (where every row
///    of both sides carries a weight) and in USD — both CIF/FOB-adjusted by `mirror_gap`'s
///    `cif_fob_allowance` when the two sources value the flow differently, as declared otherwise. A
///    year fails when a difference ≥ `min_difference` and its absolute size ≥ `min_tonnes_difference`
///    / `min_usd_difference`.
/// 5. *One finding per episode.* Consecutive failing years of the same sources, flow, partner and
///    code are one finding with the episode's totals; score = the largest counted difference.
///    The source that answers for the declarer is named first.
public struct SourceConflictDetector: Detector {
    public let name = "source_conflict"
    public init() {}

    /// One source's figure for a year at the compared code.
    struct Side {
        var codes: [String]
        var cell: Cell
        var monthly: Bool
    }

    /// One compared year: the two sides, the USD each is compared at and the differences.
    struct Year {
        var year: Int
        var a: Side
        var b: Side
        var usdA: Double
        var usdB: Double
        var fob: Bool
        /// Every row of both sides carries a weight.
        var kgComparable: Bool
        var kgDifference: Double?
        var usdDifference: Double?
        var kgCounted: Bool
        var usdCounted: Bool
        var score: Double { max(kgCounted ? kgDifference! : 0, usdCounted ? usdDifference! : 0) }
        var failed: Bool { kgCounted || usdCounted }
    }

    typealias Named = (name: String, cube: TradeCube)

    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let sources = input.cube.perSource
        var out: [Anomaly] = []
        for i in sources.indices {
            for j in sources.indices where j > i {
                out += compare(sources[i], sources[j], input: input, settings: settings)
            }
        }
        return out
    }

    func compare(_ first: Named, _ second: Named, input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        let (a, b) = (first, second)
        var out: [Anomaly] = []
        for flow in Flow.allCases {
            for d in Set(a.cube.declarers(flow)).intersection(b.cube.declarers(flow)).sorted() {
                for p in Self.partners(a.cube, d, flow).intersection(Self.partners(b.cube, d, flow)).sorted() where p != d {
                    for (key, years) in compared(a, b, declarer: d, flow: flow, partner: p, settings: settings)
                        .sorted(by: { $0.key < $1.key }) {
                        // The source that answers for the declarer comes first.
                        let answering = input.cube.source(d, flow, key: key)
                        let swap = answering == b.name
                        let ordered = swap ? years.map { Self.swapped($0) } : years
                        for episode in Self.episodes(ordered) {
                            out.append(anomaly(episode, sources: swap ? (b.name, a.name) : (a.name, b.name), declarer: d,
                                               flow: flow, partner: p, key: key, input: input, settings: settings))
                        }
                    }
                }
            }
        }
        return out
    }

    static func partners(_ cube: TradeCube, _ declarer: String, _ flow: Flow) -> Set<String> {
        var out = Set<String>()
        for code in cube.codes(declarer, flow) { out.formUnion(cube.partners(declarer, flow, key: code)) }
        return out
    }

    /// Every year both sources are complete for, per common code: code → years compared, sorted.
    func compared(_ first: Named, _ second: Named, declarer: String, flow: Flow, partner: String,
                  settings: DetectorSettings) -> [String: [Year]] {
        let (a, b, d, p) = (first, second, declarer, partner)
        let aRows = a.cube.bilateral(d, flow, partner: p), bRows = b.cube.bilateral(d, flow, partner: p)
        let aCoverage = a.cube.declarerCoverage(d), bCoverage = b.cube.declarerCoverage(d)
        func years(_ rows: [String: TradeCube.Series]) -> Set<Int> { Set(rows.values.flatMap { $0.keys.map(\.year) }) }
        var out: [String: [Year]] = [:]
        for y in years(aRows).intersection(years(bRows)).sorted() {
            let au = MirrorGapDetector.used(aRows, year: y, monthsComplete: aCoverage.monthsComplete(y))
            let bu = MirrorGapDetector.used(bRows, year: y, monthsComplete: bCoverage.monthsComplete(y))
            for key in MirrorGapDetector.mostDetailed(MirrorGapDetector.keys(au, bu)).sorted() {
                guard let sa = Self.side(a.cube, d, flow, aRows, au, key: key, year: y),
                      let sb = Self.side(b.cube, d, flow, bRows, bu, key: key, year: y) else { continue }
                out[key, default: []].append(judge(y, sa, sb, settings: settings))
            }
        }
        return out
    }

    /// The source's figure for `year` at `key`, or nil when the source is not complete for it.
    static func side(_ cube: TradeCube, _ declarer: String, _ flow: Flow, _ rows: [String: TradeCube.Series],
                     _ used: MirrorGapDetector.Used, key: String, year: Int) -> Side? {
        let (d, y) = (declarer, year)
        let codes = MirrorGapDetector.under(used, key)
        var cell = Cell(), monthly = false
        for c in codes {
            let series = rows[c] ?? [:]
            if used[c]! {
                monthly = true
                for (p, v) in series where p.year == y && p.month != nil { cell.add(v) }
            } else if let v = series[Period(year: y)] {
                cell.add(v)
            }
        }
        let coverage = cube.coverage(d, flow, key: key)
        guard monthly ? coverage.monthsComplete(y) : coverage.yearComplete(y) else { return nil }
        return Side(codes: codes, cell: cell, monthly: monthly)
    }

    func judge(_ year: Int, _ first: Side, _ second: Side, settings: DetectorSettings) -> Year {
        let (y, a, b) = (year, first, second)
        let s = settings.sourceConflict
        func relative(_ x: Double, _ z: Double) -> Double? {
            let lo = min(x, z), hi = max(x, z)
            guard hi > 0 else { return nil }
            return lo > 0 ? min((hi - lo) / lo, s.differenceCap) : s.differenceCap
        }
        func cifShare(_ c: Cell) -> Double { c.usd > 0 ? c.usdCIF / c.usd : 0 }
        // CIF and FOB figures of one flow differ by freight and insurance: compare FOB-equivalents then.
        let fob = abs(cifShare(a.cell) - cifShare(b.cell)) > 0.01
        let allowance = settings.mirrorGap.cifFobAllowance
        let usdA = fob ? a.cell.usdFOB(allowance: allowance) : a.cell.usd
        let usdB = fob ? b.cell.usdFOB(allowance: allowance) : b.cell.usd
        // A weight missing from some rows of a side would read as a difference: weights then are not compared.
        let kgComparable = a.cell.rowsWithKg == a.cell.rows && b.cell.rowsWithKg == b.cell.rows
        let kgDifference = kgComparable ? relative(a.cell.kg, b.cell.kg) : nil
        let usdDifference = relative(usdA, usdB)
        let kgCounted = kgDifference.map { $0 >= s.minDifference && abs(a.cell.kg - b.cell.kg) / 1000 >= s.minTonnesDifference } ?? false
        let usdCounted = usdDifference.map { $0 >= s.minDifference && abs(usdA - usdB) >= s.minUsdDifference } ?? false
        return Year(year: y, a: a, b: b, usdA: usdA, usdB: usdB, fob: fob, kgComparable: kgComparable, kgDifference: kgDifference,
                    usdDifference: usdDifference, kgCounted: kgCounted, usdCounted: usdCounted)
    }

    static func swapped(_ year: Year) -> Year {
        let y = year
        var out = y
        (out.a, out.b, out.usdA, out.usdB) = (y.b, y.a, y.usdB, y.usdA)
        return out
    }

    /// Failing years, consecutive ones together.
    static func episodes(_ years: [Year]) -> [[Year]] {
        var out: [[Year]] = []
        for y in years where y.failed {
            if let last = out.last?.last, last.year + 1 == y.year { out[out.count - 1].append(y) } else { out.append([y]) }
        }
        return out
    }

    func anomaly(_ episode: [Year], sources: (String, String), declarer: String, flow: Flow, partner: String,
                 key: String, input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let (d, p) = (declarer, partner)
        let s = settings.sourceConflict
        var a = Cell(), b = Cell()
        var usdA = 0.0, usdB = 0.0
        for y in episode {
            a.add(y.a.cell); b.add(y.b.cell)
            usdA += y.usdA; usdB += y.usdB
        }
        let kgComparable = episode.allSatisfy(\.kgComparable)
        let fob = episode.contains { $0.fob }
        let (first, last) = (episode.first!.year, episode.last!.year)
        let when = AnomalyText.years(first, last)
        let score = episode.map(\.score).max()!
        func figure(_ c: Cell, _ usd: Double) -> String {
            (kgComparable ? AnomalyText.tonnes(c.tonnes) + " / " : "") + AnomalyText.usd(usd)
        }
        func change(_ x: Double, _ z: Double, _ what: String) -> String {
            x > 0 ? "\(AnomalyText.change(z / x - 1)) in \(what)" : "none in \(sources.0)'s \(what)"
        }
        let changes = (kgComparable ? [change(a.kg, b.kg, "weight")] : []) + [change(usdA, usdB, "value")]
        let toward = flow == .import || flow == .reImport ? "from" : "to"
        let summary = "Two sources disagree on \(d) \(AnomalyText.noun(flow)) of \(input.catalog.label(key)) \(toward) \(p) in \(when): "
            + "\(sources.0) \(figure(a, usdA)), \(sources.1) \(figure(b, usdB))\(fob ? " (FOB-equivalent)" : "") "
            + "(\(changes.joined(separator: ", ")))."
        func side(_ name: String, _ c: Cell, _ usd: Double, _ codes: [String], monthly: [Bool]) -> JSONValue {
            ["source": .string(name), "t": c.hasKg ? AnomalyText.json(c.tonnes) : .null, "usd": AnomalyText.json(usd),
             "usd_declared": AnomalyText.json(c.usd), "usd_cif_part": AnomalyText.json(c.usdCIF),
             "codes": .array(codes.map { .string($0) }),
             "granularity": .string(monthly.allSatisfy { $0 } ? "12 monthly figures a year" : monthly.contains(true) ? "mixed" : "annual")]
        }
        func codes(_ pick: (Year) -> Side) -> [String] { Set(episode.flatMap { pick($0).codes }).sorted() }
        func ratio(_ x: Double, _ z: Double) -> JSONValue { x > 0 ? AnomalyText.json(z / x) : .null }
        let tonnesAtStake = kgComparable ? abs(b.kg - a.kg) / 1000 : 0
        let yearsJSON: JSONValue = .array(episode.map { y in
            ["year": .number(Double(y.year)), "\(sources.0)_t": AnomalyText.json(y.a.cell.tonnes), "\(sources.1)_t": AnomalyText.json(y.b.cell.tonnes),
             "\(sources.0)_usd": AnomalyText.json(y.usdA), "\(sources.1)_usd": AnomalyText.json(y.usdB),
             "difference_kg": y.kgDifference.map(AnomalyText.json) ?? .null, "difference_usd": y.usdDifference.map(AnomalyText.json) ?? .null,
             "kg_counted": .bool(y.kgCounted), "usd_counted": .bool(y.usdCounted)]
        })
        let evidence: JSONValue = [
            "declared_by": .string(d), "flow": .string(flow.rawValue), "partner_declared": .string(p), "compared_at": .string(key),
            "sources": .array([.string(sources.0), .string(sources.1)]),
            "baseline": side(sources.0, a, usdA, codes(\.a), monthly: episode.map(\.a.monthly)),
            "observed": side(sources.1, b, usdB, codes(\.b), monthly: episode.map(\.b.monthly)),
            "ratio": ["weight": kgComparable ? ratio(a.kg, b.kg) : .null, "value": ratio(usdA, usdB)],
            "statistic": "relative_difference_(larger-smaller)/smaller",
            "valuation_basis": .string(fob ? "FOB-equivalent" : "as declared"),
            "cif_fob_allowance": AnomalyText.json(settings.mirrorGap.cifFobAllowance),
            "tonnes_at_stake": AnomalyText.json(tonnesAtStake), "usd_at_stake": AnomalyText.json(abs(usdB - usdA)),
            "years": yearsJSON,
            "periods_compared": ["from": .string(String(first)), "to": .string(String(last)),
                                 "years": .array(episode.map { .string(String($0.year)) })],
            "thresholds": settings.thresholdsJSON(name),
        ]
        let (exporter, importer) = AnomalyText.orient(declarer: d, partner: p, flow: flow)
        return Anomaly(detector: name, severity: AnomalyText.severity(score, medium: s.severityMedium, high: s.severityHigh),
                       score: (score * 10000).rounded() / 10000, reporter: exporter, partner: importer, hsCode: key,
                       periodStart: String(first), periodEnd: String(last), summary: summary, evidence: evidence)
    }
}
