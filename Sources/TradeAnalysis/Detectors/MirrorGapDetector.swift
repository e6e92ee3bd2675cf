import Foundation
import TradeCore

/// `mirror_gap`: the exporter's declared exports and the importer's declared imports of the same
/// goods in the same period disagree beyond the CIF/FOB margin.
///
/// Method (general rules; thresholds in Pipelines/detectors.yaml):
///
/// 1. *Pairs.* Every exporter → importer pair with a bilateral row on either side. `WLD` rows are
///    never compared with a single partner, and only the rows a side declared *for that partner*
///    are used (a reporter's rows for one partner never decide anything for another).
/// 2. *Frequency, per side and year.* A side's monthly rows for the pair are summed to the year when
///    the side published all twelve months of that year; its annual rows for the year are then
///    used only for codes with no related (prefix-sharing) monthly code. Otherwise the annual rows
///    are used and the related monthly rows dropped for that year (never both: no double count).
/// 3. *Code level, per pair and year.* Compared at the shorter of two prefix-related codes the two
///    sides declared for the pair in that year. The longer side must roll up to it: it declared that
///    code itself, or national lines (more than 6 digits, complete tariff breakdowns). A side that
///    only declared a 6-digit subheading (a Comtrade extract of 284690 say) is never rolled up to its
///    4-digit heading. Where nested levels both qualify, only the most detailed is compared.
///    A side that published the year but declared nothing for the pair at all counts as a true zero
///    for the levels the pair is compared at in other years.
/// 4. *Windows.* Calendar years both sides published in full, plus rolling 12-month windows where
///    both sides are monthly for the level. CIF import values are brought to FOB by
///    `cif_fob_allowance`. The gap is (larger − smaller) / smaller, capped at `gap_cap`, in USD and
///    in kg; a kg gap on publisher-estimated weights counts × `estimated_weight_factor`. A window
///    fails when a gap ≥ `min_gap`, the absolute difference ≥ `min_usd_difference` /
///    `min_tonnes_difference`, and the larger side carries ≥ `min_tonnes` (shipping lags of a few
///    tonnes across a year end are no mirror gap).
/// 5. *One finding per episode.* Failing years and windows of the same pair and level that overlap
///    or touch form one finding spanning the failing calendar years (or the windows when no whole
///    year fails); the evidence lists every failing window. Score = the largest counted gap.
public struct MirrorGapDetector: Detector {
    public let name = "mirror_gap"
    public init() {}

    struct Gap {
        var exports: Cell
        var imports: Cell
        var exportsFOB: Double
        var importsFOB: Double
        var usdGap: Double?      // signed: > 0 when imports exceed exports
        var kgGap: Double?       // signed
        var kgWeight: Double
        var score: Double
        var usdCounted: Bool
        var kgCounted: Bool
    }

    /// `transitIn`: the exporter's shipments in the `lag_months` before the window (they may be
    /// declared by the importer inside it); `transitOut`: its shipments in the window's last
    /// `lag_months` (they may be declared after it). A difference either can explain is no gap.
    func compare(_ exports: Cell, _ imports: Cell, _ settings: DetectorSettings.MirrorGap,
                 transitIn: Cell = Cell(), transitOut: Cell = Cell()) -> Gap? {
        let (x, m, s) = (exports, imports, settings)
        func relative(_ a: Double, _ b: Double) -> Double? {
            let lo = min(a, b), hi = max(a, b)
            guard hi > 0 else { return nil }
            let g = lo > 0 ? min((hi - lo) / lo, s.gapCap) : s.gapCap
            return b >= a ? g : -g
        }
        let xf = x.usdFOB(allowance: s.cifFobAllowance), mf = m.usdFOB(allowance: s.cifFobAllowance)
        let usdGap = relative(xf, mf)
        let lagUSD = mf >= xf ? transitIn.usdFOB(allowance: s.cifFobAllowance) : transitOut.usdFOB(allowance: s.cifFobAllowance)
        let lagKg = m.kg >= x.kg ? transitIn.kg : transitOut.kg
        let usdCounted = usdGap.map { abs($0) >= s.minGap && abs(mf - xf) >= max(s.minUsdDifference, lagUSD * (1 + 1e-9)) } ?? false
        // Weights compare when each side declared some, or declared nothing at all (a true zero).
        let kgComparable = (x.hasKg || x.rows == 0) && (m.hasKg || m.rows == 0)
        let kgGap = kgComparable ? relative(x.kg, m.kg) : nil
        let weight = (x.kgEstimated || m.kgEstimated) ? s.estimatedWeightFactor : 1
        let kgCounted = kgGap.map { abs($0) * weight >= s.minGap && abs(m.kg - x.kg) / 1000 >= s.minTonnesDifference
            && abs(m.kg - x.kg) > lagKg * (1 + 1e-9) } ?? false
        // Tonnage floor: a few tonnes shifted across a window's edge (shipping lag) is no mirror gap.
        guard max(x.kg, m.kg) / 1000 >= s.minTonnes || (!x.hasKg && !m.hasKg) else { return nil }
        guard usdCounted || kgCounted else { return nil }
        let score = max(usdCounted ? abs(usdGap!) : 0, kgCounted ? abs(kgGap!) * weight : 0)
        return Gap(exports: x, imports: m, exportsFOB: xf, importsFOB: mf, usdGap: usdGap, kgGap: kgGap, kgWeight: weight,
                   score: score, usdCounted: usdCounted, kgCounted: kgCounted)
    }


    /// One side's codes for the pair in one year after the frequency choice: code → monthly?
    typealias Used = [String: Bool]

    static func related(_ code: String, _ other: String) -> Bool { code.hasPrefix(other) || other.hasPrefix(code) }

    /// Rule 2: monthly rows win for a year the declarer published in full; annual rows fill the rest.
    static func used(_ rows: [String: TradeCube.Series], year: Int, monthsComplete: Bool) -> Used {
        let y = year
        var monthly = Set<String>(), annual = Set<String>()
        for (code, s) in rows {
            if s.keys.contains(where: { $0.year == y && $0.month != nil }) { monthly.insert(code) }
            if s[Period(year: y)] != nil { annual.insert(code) }
        }
        let annualUsed = annual.filter { c in !(monthsComplete && monthly.contains { related($0, c) }) }
        var out: Used = [:]
        for c in monthly where !annualUsed.contains(where: { related($0, c) }) { out[c] = true }
        for c in annualUsed { out[c] = false }
        return out
    }

    /// The side's codes under `key` at their shortest length (2846 and 284690 both declared: 2846 once).
    static func under(_ used: Used, _ key: String) -> [String] {
        let m = used.keys.filter { $0.hasPrefix(key) }
        guard let shortest = m.map(\.count).min() else { return [] }
        return m.filter { $0.count == shortest }.sorted()
    }

    /// Rule 3: the side's codes under `key` add up to it (it declared the key, or national lines only).
    static func rollsUp(_ used: Used, _ key: String) -> Bool {
        let m = used.keys.filter { $0.hasPrefix(key) }
        return !m.isEmpty && (m.contains(key) || m.allSatisfy { $0.count > 6 })
    }

    /// Keys with no more detailed key among them.
    static func mostDetailed(_ keys: Set<String>) -> Set<String> {
        keys.filter { k in !keys.contains { $0 != k && $0.hasPrefix(k) } }
    }

    static func keys(_ exporterSide: Used, _ importerSide: Used) -> Set<String> {
        var keys = Set<String>()
        for a in exporterSide.keys {
            for b in importerSide.keys where related(a, b) {
                let k = a.count <= b.count ? a : b
                if rollsUp(exporterSide, k), rollsUp(importerSide, k) { keys.insert(k) }
            }
        }
        return keys
    }

    static func sum(_ cells: [Int: Cell], _ months: Range<Int>) -> Cell {
        var c = Cell()
        for mi in months { if let v = cells[mi] { c.add(v) } }
        return c
    }

    /// A failing calendar year or rolling window (month indices `lo...hi`).
    struct Failure {
        var lo: Int
        var hi: Int
        var label: String
        var mode: String
        var gap: Gap
    }

    /// Like with like: a pair and heading that one publisher carries both declarations of (UN
    /// Comtrade has both sides of most flows) is compared inside that publisher; the rest across the
    /// sources that answer for each declarer, and the evidence names which were paired.
    public func detect(_ input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        var compared = Set<[String]>()
        var out: [Anomaly] = []
        for (publisher, cube) in input.cube.publishers {
            out += detect(in: cube, publisher: publisher, skipping: [], compared: &compared, input: input, settings: settings)
        }
        var ignored = Set<[String]>()
        out += detect(in: input.cube, publisher: nil, skipping: compared, compared: &ignored, input: input, settings: settings)
        return DetectorSuite.keepMostSpecific(out)
    }

    /// The pairs of one cube. `skipping` holds [exporter, importer, heading] already compared within
    /// a publisher; every [exporter, importer, heading] compared here is added to `compared`.
    func detect(in cube: TradeCube, publisher: String?, skipping: Set<[String]>, compared: inout Set<[String]>,
                input: DetectionInput, settings: DetectorSettings) -> [Anomaly] {
        var out: [Anomaly] = []
        for pair in Self.pairs(in: cube) {
            guard let sides = PairSides(cube, exporter: pair[0], importer: pair[1]) else { continue }
            let (exporter, importer) = (sides.exporter, sides.importer)
            for key in sides.allKeys.sorted() where !skipping.contains([exporter, importer, TradeCube.family(key)]) {
                compared.insert([exporter, importer, TradeCube.family(key)])
                let found = failures(of: key, sides, settings: settings.mirrorGap)
                let sources = Sources(exporter: cube.source(exporter, .export, key: key),
                                      importer: cube.source(importer, .import, key: key), publisher: publisher)
                for episode in Self.episodes(found.failures) {
                    out.append(anomaly(episode, exporter: exporter, importer: importer, key: key,
                                       exporterCodes: found.exporterCodes.sorted(), importerCodes: found.importerCodes.sorted(),
                                       sources: sources, input: input, settings: settings))
                }
            }
        }
        return out
    }

    /// Rule 1: every exporter → importer pair with a bilateral row on either side, in order.
    static func pairs(in cube: TradeCube) -> [[String]] {
        var pairs = Set<[String]>()
        for exporter in cube.declarers(.export) {
            for code in cube.codes(exporter, .export) {
                for importer in cube.partners(exporter, .export, key: code) { pairs.insert([exporter, importer]) }
            }
        }
        for importer in cube.declarers(.import) {
            for code in cube.codes(importer, .import) {
                for exporter in cube.partners(importer, .import, key: code) { pairs.insert([exporter, importer]) }
            }
        }
        return pairs.sorted(by: { $0.lexicographicallyPrecedes($1) })
    }

    /// Both sides of one pair: their bilateral rows, coverage, the codes each uses per year (rule 2)
    /// and the keys compared per year (rule 3, with true zeros).
    struct PairSides {
        let exporter: String
        let importer: String
        let exporterRows: [String: TradeCube.Series]
        let importerRows: [String: TradeCube.Series]
        let exporterCoverage: Coverage
        let importerCoverage: Coverage
        let years: Set<Int>
        var exporterUsed: [Int: Used] = [:]
        var importerUsed: [Int: Used] = [:]
        var keysByYear: [Int: Set<String>] = [:]
        var allKeys = Set<String>()

        /// Nil when there is nothing to compare: the pair is one country, neither side declared a
        /// bilateral row, or one side publishes nothing of the flow at all (no mirror).
        init?(_ cube: TradeCube, exporter: String, importer: String) {
            guard exporter != importer else { return nil }
            self.exporter = exporter
            self.importer = importer
            exporterRows = cube.bilateral(exporter, .export, partner: importer)
            importerRows = cube.bilateral(importer, .import, partner: exporter)
            guard !exporterRows.isEmpty || !importerRows.isEmpty else { return nil }
            // Publishing is asked of every family, not only the cube's.
            guard cube.publishes(exporter, .export), cube.publishes(importer, .import) else { return nil }
            exporterCoverage = cube.declarerCoverage(exporter)
            importerCoverage = cube.declarerCoverage(importer)
            var years = Set<Int>()
            for series in exporterRows.values { for period in series.keys { years.insert(period.year) } }
            for series in importerRows.values { for period in series.keys { years.insert(period.year) } }
            self.years = years
            for year in years {
                exporterUsed[year] = MirrorGapDetector.used(exporterRows, year: year,
                                                            monthsComplete: exporterCoverage.monthsComplete(year))
                importerUsed[year] = MirrorGapDetector.used(importerRows, year: year,
                                                            monthsComplete: importerCoverage.monthsComplete(year))
                keysByYear[year] = MirrorGapDetector.keys(exporterUsed[year]!, importerUsed[year]!)
            }
            allKeys = keysByYear.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            for year in years {
                // True zeros: a side that published every month of the year but nothing for the pair.
                var keys = keysByYear[year]!
                let exporterSide = exporterUsed[year]!, importerSide = importerUsed[year]!
                // (Whether a side declared anything for the pair is asked of every family, not only the cube's.)
                if exporterSide.isEmpty, cube.trades(exporter, .export, partner: importer), exporterCoverage.monthsComplete(year) {
                    keys.formUnion(allKeys.filter { MirrorGapDetector.rollsUp(importerSide, $0) })
                }
                if importerSide.isEmpty, cube.trades(importer, .import, partner: exporter), importerCoverage.monthsComplete(year) {
                    keys.formUnion(allKeys.filter { MirrorGapDetector.rollsUp(exporterSide, $0) })
                }
                keysByYear[year] = MirrorGapDetector.mostDetailed(keys)
            }
        }
    }

    /// One side's figure for `year` over `codes` (monthly codes summed over the year's months, whose
    /// cells also go to `months`), and whether every code was monthly.
    static func yearCell(_ codes: [String], _ used: Used, _ rows: [String: TradeCube.Series], year: Int,
                         into months: inout [Int: Cell]) -> (cell: Cell, monthly: Bool) {
        var cell = Cell()
        var monthly = true
        for code in codes {
            let series = rows[code] ?? [:]
            if used[code]! {
                for (period, value) in series where period.year == year && period.month != nil {
                    cell.add(value)
                    months[period.monthIndex, default: Cell()].add(value)
                }
            } else {
                monthly = false
                if let value = series[Period(year: year)] { cell.add(value) }
            }
        }
        return (cell, monthly)
    }

    /// Rule 4: the failing calendar years and rolling 12-month windows of one pair at `key`, with
    /// the codes each side declared under it.
    func failures(of key: String, _ sides: PairSides,
                  settings s: DetectorSettings.MirrorGap) -> (failures: [Failure], exporterCodes: Set<String>, importerCodes: Set<String>) {
        var failures: [Failure] = []
        var monthlyYears = Set<Int>()
        var xm: [Int: Cell] = [:], mm: [Int: Cell] = [:]
        var xAll: [Int: Cell] = [:]  // exporter's months wherever it is monthly at this level (shipping-lag allowance)
        var eCodesSeen = Set<String>(), iCodesSeen = Set<String>()
        for y in sides.years.sorted() where sides.keysByYear[y]!.contains(key) {
            let eu = sides.exporterUsed[y]!, iu = sides.importerUsed[y]!
            let eCodes = Self.under(eu, key), iCodes = Self.under(iu, key)
            eCodesSeen.formUnion(eCodes); iCodesSeen.formUnion(iCodes)
            var xmY: [Int: Cell] = [:], mmY: [Int: Cell] = [:]
            let (xc, xMonthly) = Self.yearCell(eCodes, eu, sides.exporterRows, year: y, into: &xmY)
            let (mc, mMonthly) = Self.yearCell(iCodes, iu, sides.importerRows, year: y, into: &mmY)
            let xComplete = xMonthly ? sides.exporterCoverage.monthsComplete(y) : true
            let mComplete = mMonthly ? sides.importerCoverage.monthsComplete(y) : true
            if xMonthly { xAll.merge(xmY) { a, _ in a } }
            if xComplete, mComplete, xc.rows > 0 || mc.rows > 0, let g = compare(xc, mc, s,
                transitIn: xMonthly ? Self.sum(xAll, (y * 12 - s.lagMonths)..<(y * 12)) : Cell(),
                transitOut: xMonthly ? Self.sum(xAll, (y * 12 + 12 - s.lagMonths)..<(y * 12 + 12)) : Cell()) {
                failures.append(Failure(lo: y * 12, hi: y * 12 + 11, label: String(y), mode: "annual", gap: g))
            }
            if xMonthly, mMonthly {
                monthlyYears.insert(y)
                xm.merge(xmY) { a, _ in a }
                mm.merge(mmY) { a, _ in a }
            }
        }
        // Rolling 12-month windows over months both sides declared monthly at this level.
        for t in monthlyYears.flatMap({ y in (y * 12)..<(y * 12 + 12) }).sorted() {
            let window = (t - 11)...t
            guard window.allSatisfy({ monthlyYears.contains($0 / 12) && sides.exporterCoverage.contains($0)
                                      && sides.importerCoverage.contains($0) })
            else { continue }
            var xc = Cell(), mc = Cell()
            for mi in window {
                if let c = xm[mi] { xc.add(c) }
                if let c = mm[mi] { mc.add(c) }
            }
            guard xc.rows > 0 || mc.rows > 0,
                  let g = compare(xc, mc, s, transitIn: Self.sum(xAll, (t - 11 - s.lagMonths)..<(t - 11)),
                                  transitOut: Self.sum(xAll, (t + 1 - s.lagMonths)..<(t + 1))) else { continue }
            failures.append(Failure(lo: t - 11, hi: t, label: VolumeSpikeDetector.window(t), mode: "rolling_12_months", gap: g))
        }
        return (failures, eCodesSeen, iCodesSeen)
    }

    /// Rule 5: overlapping or touching failures are one episode, in order.
    static func episodes(_ failures: [Failure]) -> [[Failure]] {
        let sorted = failures.sorted { ($0.lo, $0.hi, $0.mode) < ($1.lo, $1.hi, $1.mode) }
        var episodes: [[Failure]] = []
        var episode: [Failure] = []
        for failure in sorted {
            if let hi = episode.map(\.hi).max(), failure.lo > hi + 1 {
                episodes.append(episode)
                episode = []
            }
            episode.append(failure)
        }
        if !episode.isEmpty { episodes.append(episode) }
        return episodes
    }

    /// Whose declarations were compared.
    struct Sources {
        var exporter: String?
        var importer: String?
        /// The publisher both came from, or nil when the two sides are different publishers' figures.
        var publisher: String?

        var json: JSONValue {
            ["exporter_source": exporter.map(JSONValue.string) ?? .null,
             "importer_source": importer.map(JSONValue.string) ?? .null,
             "paired": .string(publisher.map { "within \($0)" } ?? "across sources")]
        }
    }

    /// "imports exceed exports by 45 % in value and 44 % in weight"; a gap at the cap reads as the
    /// two amounts ("imports exceed exports in value: $1.5 M against $56 k"), since one side is zero
    /// or tiny and the ratio says little.
    static func direction(_ g: Gap, cap: Double) -> String {
        func capped(_ what: String) -> String {
            let (x, m) = what == "value" ? (AnomalyText.usd(g.exportsFOB), AnomalyText.usd(g.importsFOB))
                                         : (AnomalyText.tonnes(g.exports.tonnes), AnomalyText.tonnes(g.imports.tonnes))
            let importsLarger = what == "value" ? g.importsFOB >= g.exportsFOB : g.imports.kg >= g.exports.kg
            return importsLarger ? "imports exceed exports in \(what): \(m) against \(x)"
                                 : "exports exceed imports in \(what): \(x) against \(m)"
        }
        func percent(_ gap: Double) -> String { AnomalyText.percent(gap) }
        func one(_ gap: Double?, _ what: String) -> String? {
            guard let gap else { return nil }
            if abs(gap) >= cap { return capped(what) }
            return gap >= 0 ? "imports exceed exports by \(percent(gap)) in \(what)"
                            : "exports exceed imports by \(percent(-gap)) in \(what)"
        }
        var parts = [one(g.usdGap, "value"), one(g.kgGap, "weight")].compactMap { $0 }
        if let u = g.usdGap, let k = g.kgGap, (u >= 0) == (k >= 0), abs(u) < cap, abs(k) < cap {
            parts = [(u >= 0 ? "imports exceed exports" : "exports exceed imports")
                + " by \(percent(abs(u))) in value and \(percent(abs(k))) in weight"]
        }
        return parts.isEmpty ? "the two sides disagree" : parts.joined(separator: " and ")
    }

    /// A year's gap in the summary's tail: a percentage, or at the cap the two amounts (exports → imports).
    static func signed(_ gap: Double?, cap: Double, exports: String, imports: String) -> String {
        guard let gap else { return "n/a" }
        if abs(gap) >= cap { return "\(exports) → \(imports)" }
        return (gap >= 0 ? "+" : "−") + AnomalyText.percent(abs(gap))
    }

    func anomaly(_ episode: [Failure], exporter: String, importer: String, key: String, exporterCodes: [String],
                 importerCodes: [String], sources: Sources, input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let (e, i) = (exporter, importer)
        let s = settings.mirrorGap
        let annual = episode.filter { $0.mode == "annual" }
        let rolling = episode.filter { $0.mode != "annual" }
        let described = (annual.isEmpty ? rolling : annual).max { $0.gap.score < $1.gap.score }!
        let g = described.gap
        let score = episode.map(\.gap.score).max()!
        let start: String, end: String, when: String
        if annual.isEmpty {
            start = AnomalyText.period(monthIndex: rolling.map(\.lo).min()!)
            end = AnomalyText.period(monthIndex: rolling.map(\.hi).max()!)
            when = rolling.count == 1 ? "in the 12 months \(described.label)"
                : "in \(rolling.count) overlapping 12-month windows from \(rolling.first!.label) to \(rolling.last!.label) "
                    + "(largest gap in \(described.label))"
        } else {
            start = annual.first!.label
            end = annual.last!.label
            when = annual.count == 1 ? "in \(start)" : "in \(start)–\(end) (largest gap in \(described.label))"
        }
        let estimatedIn = annual.filter { $0.gap.exports.kgEstimated || $0.gap.imports.kgEstimated }.map(\.label)
        let estimated = g.exports.kgEstimated || g.imports.kgEstimated || !estimatedIn.isEmpty
        let estimatedWhere = estimatedIn.count > 1 || (estimatedIn.count == 1 && annual.count > 1) ? " in \(estimatedIn.joined(separator: ", "))" : ""
        let note = estimated ? " (weights partly estimated by the publisher\(estimatedWhere); the kg gap counts ×\(AnomalyText.number(s.estimatedWeightFactor, 2)))" : ""
        var tail = ""
        if annual.count > 1 {
            tail += "; by year: " + annual.map { f in
                let kg = Self.signed(f.gap.kgGap, cap: s.gapCap, exports: AnomalyText.tonnes(f.gap.exports.tonnes),
                                     imports: AnomalyText.tonnes(f.gap.imports.tonnes))
                let usd = Self.signed(f.gap.usdGap, cap: s.gapCap, exports: AnomalyText.usd(f.gap.exportsFOB),
                                      imports: AnomalyText.usd(f.gap.importsFOB))
                return "\(f.label) \(kg) kg, \(usd) USD"
            }
                .joined(separator: "; ")
        }
        if !annual.isEmpty, !rolling.isEmpty {
            tail += "; also \(rolling.count) failing 12-month window\(rolling.count == 1 ? "" : "s") from \(rolling.first!.label) to \(rolling.last!.label)"
        }
        let summary = "Mirror gap \(e) → \(i) for \(input.catalog.label(key)) \(when): \(i) declared imports of "
            + "\(AnomalyText.usd(g.importsFOB)) FOB-equivalent (\(AnomalyText.percent(s.cifFobAllowance)) CIF/FOB allowance) and "
            + "\(AnomalyText.tonnes(g.imports.tonnes)), \(e) declared exports of \(AnomalyText.usd(g.exportsFOB)) and "
            + "\(AnomalyText.tonnes(g.exports.tonnes)): \(Self.direction(g, cap: settings.mirrorGap.gapCap))\(note)\(tail)."
        func windowJSON(_ f: Failure) -> JSONValue {
            ["window": .string(f.label), "mode": .string(f.mode),
             "exports_usd_fob": AnomalyText.json(f.gap.exportsFOB), "imports_usd_fob": AnomalyText.json(f.gap.importsFOB),
             "exports_kg": f.gap.exports.hasKg ? AnomalyText.json(f.gap.exports.kg) : .null,
             "imports_kg": f.gap.imports.hasKg ? AnomalyText.json(f.gap.imports.kg) : .null,
             "gap_usd": f.gap.usdGap.map(AnomalyText.json) ?? .null, "gap_kg": f.gap.kgGap.map(AnomalyText.json) ?? .null,
             "kg_estimated": .bool(f.gap.exports.kgEstimated || f.gap.imports.kgEstimated),
             "score": AnomalyText.json(f.gap.score)]
        }
        let evidence: JSONValue = [
            "exporter": .string(e), "importer": .string(i), "compared_at": .string(key), "mode": .string(described.mode),
            "sources": sources.json,
            "exporter_codes": .array(exporterCodes.map { .string($0) }),
            "importer_codes": .array(importerCodes.map { .string($0) }),
            "baseline": ["side": "exporter-declared exports", "usd_fob": AnomalyText.json(g.exportsFOB),
                         "usd_declared": AnomalyText.json(g.exports.usd), "kg": g.exports.hasKg ? AnomalyText.json(g.exports.kg) : .null,
                         "kg_estimated": .bool(g.exports.kgEstimated)],
            "observed": ["side": "importer-declared imports", "usd_fob": AnomalyText.json(g.importsFOB),
                         "usd_declared": AnomalyText.json(g.imports.usd), "usd_cif_part": AnomalyText.json(g.imports.usdCIF),
                         "kg": g.imports.hasKg ? AnomalyText.json(g.imports.kg) : .null, "kg_estimated": .bool(g.imports.kgEstimated)],
            "ratio": g.exportsFOB > 0 ? AnomalyText.json(g.importsFOB / g.exportsFOB) : .null,
            "gap_usd": g.usdGap.map(AnomalyText.json) ?? .null, "gap_kg": g.kgGap.map(AnomalyText.json) ?? .null,
            "kg_weight": AnomalyText.json(g.kgWeight), "usd_counted": .bool(g.usdCounted), "kg_counted": .bool(g.kgCounted),
            "statistic": "relative_gap_(larger-smaller)/smaller",
            "periods_compared": ["window": .string(described.label), "flagged_from": .string(start), "flagged_to": .string(end)],
            "windows": .array(episode.map(windowJSON)),
            "thresholds": settings.thresholdsJSON(name),
        ]
        return Anomaly(detector: name, severity: AnomalyText.severity(score, medium: s.severityMedium, high: s.severityHigh),
                       score: (score * 10000).rounded() / 10000, reporter: e, partner: i, hsCode: key,
                       periodStart: start, periodEnd: end, summary: summary, evidence: evidence)
    }
}
