import Foundation
import TradeCore

/// The seven detectors (docs/ARCHITECTURE.md, "Detect"), run in a fixed order with a deterministic result.
public enum DetectorSuite {
    /// Recorded with every run's anomalies; bump when a method or a default changes.
    public static let version = "1.4.0"

    public static let all: [any Detector] = [
        VolumeSpikeDetector(),
        NewPartnerDetector(),
        MirrorGapDetector(),
        TransshipmentConduitDetector(),
        UnitValueOutlierDetector(),
        ControlDiversionDetector(),
        SourceConflictDetector(),
    ]

    /// Runs every detector; the same input and settings always give the identical, identically
    /// ordered list. A detector that spreads its own work over the cores runs alone; the others run
    /// side by side (GCD runs a nested `concurrentPerform` serially, so the two do not mix).
    public static func run(_ input: DetectionInput, settings: DetectorSettings = DetectorSettings()) -> [Anomaly] {
        run(all, input, settings: settings).flatMap { $0 }
    }

    /// The findings of each of `detectors` (in their order), sorted and annotated.
    static func run(_ detectors: [any Detector], _ input: DetectionInput, settings: DetectorSettings) -> [[Anomaly]] {
        @Sendable func findings(_ i: Int) -> [Anomaly] { detectors[i].detect(input, settings: settings).sorted(by: canonicalOrder) }
        var results = [[Anomaly]](repeating: [], count: detectors.count)
        for i in detectors.indices where detectors[i].parallelInside { results[i] = findings(i) }
        let others = detectors.indices.filter { !detectors[$0].parallelInside }
        for (i, found) in zip(others, parallelMap(others.count) { findings(others[$0]) }) { results[i] = found }
        return results.map { $0.map { annotate($0, input: input) } }
    }

    /// Whose declaration a finding rests on, and which source gave it (`evidence.source`).
    static func annotate(_ a: Anomaly, input: DetectionInput) -> Anomaly {
        var a = a
        guard case .object(var evidence) = a.evidence else { return a }
        let declarer = evidence["declared_by"]?.stringValue
        switch a.detector {
        case "mirror_gap": a.declaredBy = [a.reporter, a.partner].compactMap { $0 }.joined(separator: "+")
        case "transshipment_conduit": a.declaredBy = [a.reporter, a.via, a.partner].compactMap { $0 }.joined(separator: "+")
        default: a.declaredBy = declarer ?? a.reporter
        }
        if evidence["source"] == nil, let d = a.declaredBy, !d.contains("+"), let code = a.hsCode {
            let flow = evidence["flow"]?.stringValue.flatMap(Flow.init(rawValue:)) ?? (d == a.reporter ? .export : .import)
            if let source = input.cube.source(d, flow, key: code) { evidence["source"] = .string(source) }
        }
        a.evidence = .object(evidence)
        return a
    }

    /// Within one detector: by period, then reporter, partner, via, code, summary.
    static func canonicalOrder(_ a: Anomaly, _ b: Anomaly) -> Bool {
        let ka = [a.periodStart, a.periodEnd, a.reporter ?? "", a.partner ?? "", a.via ?? "", a.hsCode ?? "", a.summary]
        let kb = [b.periodStart, b.periodEnd, b.reporter ?? "", b.partner ?? "", b.via ?? "", b.hsCode ?? "", b.summary]
        return ka.lexicographicallyPrecedes(kb)
    }

    /// Drops a finding when the same detector found the same pair (and conduit) over an overlapping
    /// period at a more detailed code that starts with its code: report the most specific line only.
    /// Findings are compared only within their detector and pair, in code order, where the codes
    /// refining a code follow it: no step compares every finding with every other.
    static func keepMostSpecific(_ anomalies: [Anomaly]) -> [Anomaly] {
        var dropped = Set<Int>()
        let groups = Dictionary(grouping: anomalies.indices.filter { anomalies[$0].hsCode != nil }) { i in
            [anomalies[i].detector, anomalies[i].reporter ?? "", anomalies[i].partner ?? "", anomalies[i].via ?? ""]
        }
        for group in groups.values {
            let byCode = group.sorted { (anomalies[$0].hsCode!, $0) < (anomalies[$1].hsCode!, $1) }
            for (n, i) in byCode.enumerated() {
                let (a, code) = (anomalies[i], anomalies[i].hsCode!)
                for j in byCode[(n + 1)...] {
                    let b = anomalies[j], other = b.hsCode!
                    guard other.hasPrefix(code) else { break }
                    if other.count > code.count, b.periodStart <= a.periodEnd, a.periodStart <= b.periodEnd {
                        dropped.insert(i)
                        break
                    }
                }
            }
        }
        return anomalies.indices.filter { !dropped.contains($0) }.map { anomalies[$0] }
    }
}
