import Foundation
import TradeCore

/// Groups findings about the same event into cases and ranks the cases by what is at stake.
///
/// Findings belong to one case when they are of one category and
/// * concern the same exporter, prefix-related codes and the same importer (or one of them is the
///   exporter's series over all partners) in months that overlap or lie within `slackMonths` of each
///   other, and look at the same thing — one flow as its exporter and its importer declared it, a
///   partner series and its world total, a spike and the new partner behind it, a mirror gap of that
///   flow (volume detectors together; unit values only with unit values);
/// * are a conduit and either of its legs (origin → via, via → destination) in months that overlap
///   or lie within `slackMonths` of each other;
/// * are control_diversion findings of one exporter and one control regime (a control and its channels).
///
/// Materiality is the USD at stake (tonnes are valued at the flow's own unit value when a detector
/// states only tonnes); a case is ranked by log10(materiality) + 3 × confidence. Confidence starts from the
/// most severe finding and rises when the exporter's and the importer's own declarations both show
/// the event, and when several detectors agree. Every step sorts or hashes; no step compares every
/// finding with every other.
public enum CaseBuilder {
    /// Months by which a conduit's span may miss a leg's and still be one event (shipping lag).
    static let slackMonths = 3
    /// Decades of USD at stake that full confidence is worth in the ranking.
    static let confidenceWeight = 3.0

    public static func cases(_ anomalies: [Anomaly], input: DetectionInput) -> [TradeCase] {
        cases(anomalies, facts: anomalies.map { FindingFacts($0, cube: input.cube) })
    }

    /// `facts[i]` is what `anomalies[i]` says (taken from the cube of its code's family).
    static func cases(_ anomalies: [Anomaly], facts: [FindingFacts]) -> [TradeCase] {
        var groups = UnionFind(anomalies.count)
        linkFlows(anomalies, facts, &groups)
        linkConduits(anomalies, facts, &groups)
        linkControls(anomalies, facts, &groups)
        var members: [Int: [Int]] = [:]
        for i in anomalies.indices { members[groups.root(i), default: []].append(i) }
        var out = members.values.map { makeCase($0, anomalies, facts) }
        // Materiality for ranking: USD, or tonnes at the median unit value of the cases that have both.
        let unitValues = out.compactMap { c -> Double? in
            guard let t = c.tonnesAtStake, t > 0, let u = c.usdAtStake else { return nil }
            return u / (t * 1000)
        }
        let typical = RobustStatistics.median(unitValues) ?? 0
        func materiality(_ c: TradeCase) -> Double { c.usdAtStake ?? (c.tonnesAtStake ?? 0) * 1000 * typical }
        // Orders of magnitude of money, and confidence: 0.33 more confidence weighs as much as ten
        // times the dollars, so a corroborated event ranks above a lone statistical blip of similar size.
        func weight(_ c: TradeCase) -> Double { log10(1 + materiality(c)) + confidenceWeight * c.confidence }
        out.sort { a, b in
            let (ma, mb) = (weight(a), weight(b))
            if ma != mb { return ma > mb }
            if a.severity != b.severity { return a.severity > b.severity }
            return (a.periodStart, a.summary) < (b.periodStart, b.summary)
        }
        for i in out.indices { out[i].rank = i + 1 }
        return out
    }

    // MARK: - Linking

    /// Detectors that look at one flow's volumes: their findings on the same flow are one event.
    /// A control's findings are about the volumes of its channels, so they join those too.
    static let flowDetectors: Set<String> = ["volume_spike", "new_partner", "mirror_gap", "control_diversion"]

    /// Same category, exporter and heading; prefix-related codes; the same importer, or one of them a
    /// series over all partners (or the importer's over all origins); months that overlap; and detectors that look at
    /// the same thing (volumes of one flow; otherwise the same detector). A sweep in start order
    /// compares each finding only with the findings still open when it starts: the work grows with
    /// the findings times how many of one exporter and heading overlap in time.
    static func linkFlows(_ anomalies: [Anomaly], _ facts: [FindingFacts], _ groups: inout UnionFind) {
        func linkable(_ a: Int, _ b: Int) -> Bool {
            let (x, y) = (facts[a], facts[b])
            // A series over all partners meets a partner's finding only when that partner is one its
            // rise came from (when the finding names them): a total does not swallow every flow.
            func feeds(_ total: FindingFacts, _ counterpart: String?) -> Bool {
                guard let gains = total.gains, !gains.isEmpty else { return true }
                return counterpart.map(gains.contains) ?? true
            }
            let samePair = x.reporter == y.reporter && (x.partner == y.partner
                || (x.partner == nil && feeds(x, y.partner)) || (y.partner == nil && feeds(y, x.partner)))
            let importTotal = x.partner == y.partner && ((x.reporter == "WLD" && feeds(x, y.reporter))
                || (y.reporter == "WLD" && feeds(y, x.reporter)))
            guard x.via == nil, y.via == nil, samePair || importTotal else { return false }
            let (cx, cy) = (anomalies[a].hsCode ?? "", anomalies[b].hsCode ?? "")
            guard cx.hasPrefix(cy) || cy.hasPrefix(cx) else { return false }
            let (dx, dy) = (anomalies[a].detector, anomalies[b].detector)
            return dx == dy || (flowDetectors.contains(dx) && flowDetectors.contains(dy))
        }
        let candidates = Array(facts.indices)
        let byExporter = Dictionary(grouping: candidates) { [facts[$0].category.rawValue, facts[$0].reporter, facts[$0].family] }
        sweep(byExporter.values, facts, &groups, linkable)
        // An importer's series over all origins (exporter `WLD`) meets the findings of its importer.
        let byImporter = Dictionary(grouping: candidates.filter { facts[$0].partner != nil }) {
            [facts[$0].category.rawValue, facts[$0].partner!, facts[$0].family]
        }
        sweep(byImporter.values, facts, &groups) { a, b in
            (facts[a].reporter == "WLD") != (facts[b].reporter == "WLD") && linkable(a, b)
        }
    }

    /// Links the findings of each bucket that overlap in months and satisfy `linkable`.
    static func sweep(_ buckets: some Sequence<[Int]>, _ facts: [FindingFacts], _ groups: inout UnionFind,
                      _ linkable: (Int, Int) -> Bool) {
        for bucket in buckets {
            var open: [Int] = []
            for i in bucket.sorted(by: { (facts[$0].lo, $0) < (facts[$1].lo, $1) }) {
                open.removeAll { facts[$0].hi < facts[i].lo }
                for j in open where linkable(i, j) { groups.union(i, j) }
                open.append(i)
            }
        }
    }

    /// A conduit joins the volume findings on its two legs.
    static func linkConduits(_ anomalies: [Anomaly], _ facts: [FindingFacts], _ groups: inout UnionFind) {
        var byLeg: [[String]: [Int]] = [:]
        for (i, f) in facts.enumerated() where f.via == nil && flowDetectors.contains(anomalies[i].detector) {
            byLeg[[f.category.rawValue, f.reporter, f.partner ?? "", f.family], default: []].append(i)
        }
        for (i, f) in facts.enumerated() {
            guard let via = f.via, let destination = f.partner else { continue }
            // Both legs, and the conduit's own series over all partners: its imports from everywhere
            // and its exports to everywhere.
            let legs = [[f.category.rawValue, f.reporter, via, f.family], [f.category.rawValue, via, destination, f.family],
                        [f.category.rawValue, "WLD", via, f.family], [f.category.rawValue, via, "", f.family]]
            for leg in legs {
                for j in byLeg[leg] ?? [] where facts[j].lo <= f.hi + slackMonths && f.lo <= facts[j].hi + slackMonths {
                    groups.union(i, j)
                }
            }
        }
    }

    /// One exporter's findings under one control regime are one case.
    static func linkControls(_ anomalies: [Anomaly], _ facts: [FindingFacts], _ groups: inout UnionFind) {
        var first: [[String]: Int] = [:]
        for (i, f) in facts.enumerated() where anomalies[i].detector == "control_diversion" {
            guard let regime = f.regime else { continue }
            let key = [f.reporter, regime]
            if let j = first[key] { groups.union(i, j) } else { first[key] = i }
        }
    }

    // MARK: - The case

    static func makeCase(_ indices: [Int], _ anomalies: [Anomaly], _ facts: [FindingFacts]) -> TradeCase {
        let ordered = indices.sorted { a, b in
            let (x, y) = (anomalies[a], anomalies[b])
            let (px, py) = (leadPriority(x.detector), leadPriority(y.detector))
            if px != py { return px < py }
            if x.severity != y.severity { return x.severity > y.severity }
            let (sx, sy) = (facts[a].usd ?? 0, facts[b].usd ?? 0)
            if sx != sy { return sx > sy }
            return (x.detector, x.summary) < (y.detector, y.summary)
        }
        let lead = anomalies[ordered[0]]
        let findings = ordered.map { anomalies[$0] }
        let partners = Set(ordered.compactMap { facts[$0].partner })
        let codes = findings.compactMap(\.hsCode)
        let detectors = Set(findings.map(\.detector))
        // Corroboration: the exporter's and the importer's own declarations both show the event.
        let declarers = Set(findings.compactMap(\.declaredBy).filter { !$0.contains("+") })
        let corroborated = partners.contains { p in declarers.contains(p) } && declarers.contains(lead.reporter ?? "")
        let base: Double = switch findings.map(\.severity).max()! { case .high: 0.6; case .medium: 0.45; case .low: 0.3 }
        let confidence = min(base + (corroborated ? 0.2 : 0) + (detectors.count > 1 ? 0.1 : 0), 0.95)
        let tonnes = ordered.compactMap { facts[$0].tonnes }.max()
        let usd = ordered.compactMap { facts[$0].usd }.max()
        var summary = lead.summary
        if findings.count > 1 {
            let others = Dictionary(grouping: findings.dropFirst(), by: \.detector)
                .map { $0.value.count > 1 ? "\($0.key) ×\($0.value.count)" : $0.key }.sorted()
            summary += " Also in this case: " + others.joined(separator: ", ") + "."
        }
        if corroborated { summary += " Both the exporter's and the importer's declarations show it." }
        return TradeCase(rank: 0, severity: findings.map(\.severity).max()!, confidence: (confidence * 100).rounded() / 100,
                         category: lead.category, reporter: lead.reporter,
                         partner: partners.count == 1 ? partners.first : nil,
                         via: findings.compactMap(\.via).first, hsCode: commonPrefix(codes),
                         periodStart: findings.map(\.periodStart).min()!, periodEnd: findings.map(\.periodEnd).max()!,
                         tonnesAtStake: tonnes.map { ($0 * 10).rounded() / 10 }, usdAtStake: usd.map { $0.rounded() },
                         summary: summary, findings: ordered)
    }

    /// Which finding tells a case's story best: the one that explains the others (a conduit explains
    /// its legs' surges, a control its channels, a new partner a total's rise).
    static func leadPriority(_ detector: String) -> Int {
        ["transshipment_conduit", "control_diversion", "new_partner", "mirror_gap", "source_conflict", "volume_spike"]
            .firstIndex(of: detector) ?? 6
    }

    /// The longest code all the findings share (nil when they name none).
    static func commonPrefix(_ codes: [String]) -> String? {
        guard var prefix = codes.first else { return nil }
        for c in codes.dropFirst() {
            while !c.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix.isEmpty ? nil : prefix
    }
}

/// Disjoint sets over 0..<n with path halving.
struct UnionFind {
    private var parent: [Int]

    init(_ n: Int) { parent = Array(0..<n) }

    mutating func root(_ i: Int) -> Int {
        var i = i
        while parent[i] != i {
            parent[i] = parent[parent[i]]
            i = parent[i]
        }
        return i
    }

    mutating func union(_ a: Int, _ b: Int) {
        let (ra, rb) = (root(a), root(b))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }
}
