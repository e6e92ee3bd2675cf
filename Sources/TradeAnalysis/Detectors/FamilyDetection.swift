import Foundation
import TradeCore

/// Detection one code family at a time, so memory is bounded by the largest family rather than the
/// warehouse.
///
/// A family is a 4-digit heading with every code under it: all of its declarers, partners and periods
/// are what the detectors compare, and no detector compares codes of two headings except through a
/// code that is a prefix of both. So a chapter that someone declared as a 2- or 3-digit code is one
/// family with all its headings (`Units`). The caller streams each family's rows into a
/// `TradeCubeBuilder`, in any order of families, and hands it to `add`; the family's cube is built,
/// every detector runs on it, and only the findings (and what the case builder needs of them) are
/// kept. What a family's cube must know of the rest — coverage, which source answers for a declarer,
/// whether a pair trades at all — comes from the `TradeOutline` read beforehand.
///
/// `control_diversion` compares a control's lines with catch-all lines of other headings, for the
/// exporters of the issuing country: it runs once at the end over exactly that slice — those
/// exporters' exports of the families holding a commodity line with elements — kept while the
/// families pass by. The result is the findings, order included, that `DetectorSuite.run` gives over
/// the whole input.
public struct FamilyDetection {
    /// Which family a code is detected in.
    public struct Units: Sendable {
        /// Chapters declared at a code shorter than a heading somewhere in the trade.
        let chapters: Set<String>

        public func unit(of code: String) -> String {
            let chapter = String(code.prefix(2))
            return chapters.contains(chapter) ? chapter : TradeCube.family(code)
        }
    }

    public let units: Units
    private let outlines: OutlineSet
    private let catalog: CommodityCatalog
    private let mineralStats: [MineralStat]
    private let exportControls: [ExportControl]
    private let commodities: [CommodityRow]
    private let countries: [Country]
    private let settings: DetectorSettings
    private let detectors: [any Detector]
    /// Per detector, its findings so far without their evidence, each with the number of its
    /// evidence in `spool` and what the case builder needs of it.
    private var found: [[(header: Anomaly, evidence: Int, facts: FindingFacts)]]
    private let spool: EvidenceSpool
    /// `finish()`'s findings' evidence numbers in `spool`, in its order.
    private var evidenceOrder: [Int] = []
    private var census: [String: Int] = [:]
    /// The exporters `control_diversion` looks at (nil: every exporter) and their part of the trade.
    private let controlExporters: Set<String>?
    private var controlSlice = TradeCubeBuilder()
    private var facts: [FindingFacts] = []
    /// Families detected so far.
    public private(set) var families = 0

    /// `spool` keeps the findings' evidence until it is stored (in memory unless given).
    public init(outline: TradeOutline, precedence: SourcePrecedence, mineralStats: [MineralStat] = [],
                exportControls: [ExportControl] = [], commodities: [CommodityRow] = [], countries: [Country] = [],
                settings: DetectorSettings = DetectorSettings(), spool: EvidenceSpool = .inMemory()) {
        self.spool = spool
        units = Units(chapters: outline.shortCodeChapters)
        outlines = OutlineSet(outline, precedence: precedence)
        catalog = CommodityCatalog(commodities)
        (self.mineralStats, self.exportControls, self.commodities, self.countries) = (mineralStats, exportControls, commodities, countries)
        self.settings = settings
        detectors = DetectorSuite.all.filter { !($0 is ControlDiversionDetector) }
        found = Array(repeating: [], count: detectors.count)
        var exporters: Set<String>? = []
        for regime in exportControls {
            guard let issuers = ControlDiversionDetector.resolve(issuer: regime.issuer, countries: countries) else {
                exporters = nil
                break
            }
            exporters?.formUnion(issuers)
        }
        controlExporters = exporters
    }

    /// Detects in one family's rows (a whole unit of `units`), keeping the findings only; `cite`
    /// adds to each finding's evidence what only the family's rows know (the files it came from).
    public mutating func add(_ family: TradeCubeBuilder, cite: (Anomaly) throws -> Anomaly = { $0 }) throws {
        let input = self.input(TradeCube(family, outlines: outlines))
        for (d, findings) in DetectorSuite.run(detectors, input, settings: settings).enumerated() {
            found[d] += try findings.map { try keep(cite($0), cube: input.cube) }
        }
        census.merge(Unjudged.census(input, settings: settings), uniquingKeysWith: +)
        if !exportControls.isEmpty { keepForControls(family) }
        families += 1
    }

    /// Every finding without its evidence (`evidence(_:)` has it), in `DetectorSuite.run`'s order;
    /// call once, after the last family. `cite` is as for `add`, for the `control_diversion`
    /// findings found here across families.
    public mutating func finish(cite: (Anomaly) throws -> Anomaly = { $0 }) throws -> [Anomaly] {
        var all = found.map { $0.sorted { DetectorSuite.canonicalOrder($0.header, $1.header) } }
        found = []
        let control = DetectorSuite.all.firstIndex { $0 is ControlDiversionDetector } ?? all.count
        if !exportControls.isEmpty {
            let input = self.input(TradeCube(controlSlice, outlines: outlines))
            let findings = DetectorSuite.run([ControlDiversionDetector()], input, settings: settings)[0]
            all.insert(try findings.map { try keep(cite($0), cube: input.cube) }, at: control)
        }
        controlSlice = TradeCubeBuilder()
        let flat = all.flatMap { $0 }
        facts = flat.map(\.facts)
        evidenceOrder = flat.map(\.evidence)
        return flat.map(\.header)
    }

    /// The stored evidence JSON of finding `index` of `finish()`.
    public func evidence(_ index: Int) throws -> String {
        try spool.text(evidenceOrder[index])
    }

    /// A finding's header and facts, its evidence into the spool.
    private func keep(_ finding: Anomaly, cube: TradeCube) throws -> (header: Anomaly, evidence: Int, facts: FindingFacts) {
        var header = finding
        header.evidence = .null
        return (header, try spool.append(StoredEvidence.encode(finding.evidence)), FindingFacts(finding, cube: cube))
    }

    /// Cases of the findings `finish` returned (which may since have gained evidence, in the same
    /// order); the case builder reads no evidence, so the findings' headers do.
    public func cases(_ anomalies: [Anomaly]) -> [TradeCase] {
        precondition(anomalies.count == facts.count, "cases are built from the findings finish() returned")
        return CaseBuilder.cases(anomalies, facts: facts)
    }

    /// Series left unjudged, as `Unjudged.census` counts them.
    public var unjudged: [String: Int] { census }

    private func input(_ cube: TradeCube) -> DetectionInput {
        DetectionInput(cube: cube, catalog: catalog, mineralStats: mineralStats, exportControls: exportControls,
                       commodities: commodities, countries: countries)
    }

    /// Keeps the control exporters' exports (and re-exports, which value a finding for the case
    /// builder) of a family that holds a commodity line with elements.
    private mutating func keepForControls(_ family: TradeCubeBuilder) {
        let relevant = family.sources.values.contains { source in
            source.data.values.contains { byFlow in
                byFlow.values.contains { byCode in
                    byCode.keys.contains { catalog.line(for: $0).map { !$0.elements.isEmpty } ?? false }
                }
            }
        }
        guard relevant else { return }
        for (name, source) in family.sources {
            for (declarer, byFlow) in source.data where controlExporters?.contains(declarer) ?? true {
                for flow in [Flow.export, .reExport] {
                    for (code, byPartner) in byFlow[flow] ?? [:] {
                        controlSlice.sources[name, default: SourceData()].data[declarer, default: [:]][flow, default: [:]][code] = byPartner
                    }
                }
            }
        }
    }
}
