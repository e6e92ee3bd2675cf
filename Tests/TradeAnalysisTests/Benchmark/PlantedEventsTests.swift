import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// The detectors and the case builder on a seeded synthetic world (`PlantedWorld`): precision and
/// recall of cases, measured. `swift test --filter PlantedEvents` prints the table the README quotes.
@Suite("planted events benchmark") struct PlantedEventsTests {
    static let seed: UInt64 = 13

    @Test func theWorldHoldsFortyEventsOfEveryKindAndFortyDecoys() {
        var a = PlantedWorldGenerator(seed: Self.seed), b = PlantedWorldGenerator(seed: Self.seed)
        let world = a.generate(), again = b.generate()
        for kind in PlantedWorld.Kind.allCases {
            #expect(world.events.filter { $0.kind == kind }.count >= 40, "\(kind)")
        }
        #expect(world.decoys.count >= 40)
        // Every event and decoy has countries of its own.
        let named = world.events.map { Set([$0.exporter] + $0.flows.compactMap(\.to) + [$0.via].compactMap { $0 }) }
            + world.decoys.map { Set($0.countries) }
        #expect(named.reduce(0) { $0 + $1.count } == named.reduce(into: Set<String>()) { $0.formUnion($1) }.count)
        // The same seed gives the same world.
        #expect(world.rows.count == again.rows.count)
        #expect(zip(world.rows, again.rows).allSatisfy { $0.row == $1.row && $0.source == $1.source })
    }

    @Test func casesFindThePlantedEventsAndNotTheDecoys() throws {
        var generator = PlantedWorldGenerator(seed: Self.seed)
        let world = generator.generate()
        let input = try world.input()
        let findings = DetectorSuite.run(input)
        let cases = CaseBuilder.cases(findings, input: input)
        let score = PlantedScore(world: world, findings: findings, cases: cases)
        print(score.table)
        for line in score.falseCases.prefix(20) { print("false case: \(line)") }
        for line in score.missed.prefix(20) { print("missed: \(line)") }
        for line in score.split.prefix(10) { print("split: \(line)") }

        #expect(score.casePrecision >= 0.9, "case precision \(score.casePrecision)")
        #expect(score.overallRecall >= 0.9, "recall \(score.overallRecall)")
        for kind in score.measured {
            #expect(score.recall(kind) >= 0.9, "recall of \(kind.rawValue): \(score.recall(kind))")
        }
    }
}

/// Precision and recall of one run on a planted world.
struct PlantedScore {
    typealias Kind = PlantedWorld.Kind
    let world: PlantedWorld
    let findings: [Anomaly]
    let cases: [TradeCase]
    /// Kinds whose detector is in the suite (the others are reported as not measured).
    let measured: [Kind]
    /// For each finding, the events it fits.
    let fitting: [[Int]]

    init(world: PlantedWorld, findings: [Anomaly], cases: [TradeCase]) {
        self.world = world
        self.findings = findings
        self.cases = cases
        let detectors = Set(DetectorSuite.all.map(\.name))
        measured = Kind.allCases.filter { detectors.contains($0.detector) }
        // Events by country, so each finding is checked against the few events of its countries.
        var byCountry: [String: [Int]] = [:]
        for (i, e) in world.events.enumerated() {
            for c in Set([e.exporter] + e.flows.compactMap(\.to)) { byCountry[c, default: []].append(i) }
        }
        fitting = findings.map { a in
            let candidates = Set([a.reporter, a.partner].compactMap { $0 }.flatMap { byCountry[$0] ?? [] })
            return candidates.sorted().filter { PlantedWorld.fits(a, world.events[$0]) }
        }
    }

    func events(_ kind: Kind, variant: String? = nil) -> [Int] {
        world.events.indices.filter { world.events[$0].kind == kind && (variant == nil || world.events[$0].variant == variant) }
    }

    /// An event is recalled when a finding of its kind's detector fits it (every finding is in a case).
    func recalled(_ e: Int) -> Bool {
        findings.indices.contains { fitting[$0].contains(e) && findings[$0].detector == world.events[e].kind.detector }
    }

    func recall(_ kind: Kind, variant: String? = nil) -> Double {
        let es = events(kind, variant: variant)
        return es.isEmpty ? 0 : Double(es.filter(recalled).count) / Double(es.count)
    }

    var overallRecall: Double {
        let es = measured.flatMap { events($0) }
        return Double(es.filter(recalled).count) / Double(max(es.count, 1))
    }

    /// A case is true when one of its findings is about a planted event (of the case's category).
    func isTrue(_ c: TradeCase) -> Bool { c.findings.contains { !fitting[$0].isEmpty } }

    var casePrecision: Double {
        Double(cases.filter(isTrue).count) / Double(max(cases.count, 1))
    }

    /// Cases that hold findings about the event: 1 when the event is one case.
    func casesPerEvent(_ e: Int) -> Int {
        cases.filter { c in c.findings.contains { fitting[$0].contains(e) } }.count
    }

    var falseCases: [String] {
        cases.filter { !isTrue($0) }.map { c in
            let lead = findings[c.findings[0]]
            let country = lead.reporter == "WLD" ? lead.partner ?? "" : lead.reporter ?? ""
            return "[\(PlantedWorldGenerator.namespace(of: country, in: world))] \(lead.detector) \(lead.periodStart)–\(lead.periodEnd): \(c.summary)"
        }
    }

    /// Events whose findings ended up in several cases, with the lead finding of each.
    var split: [String] {
        world.events.indices.filter { casesPerEvent($0) > 1 }.map { i in
            let leads = cases.filter { c in c.findings.contains { fitting[$0].contains(i) } }.map { c in
                let a = findings[c.findings[0]]
                return "\(a.detector) \(a.reporter ?? "")→\(a.partner ?? "*") \(a.hsCode ?? "") \(a.periodStart)–\(a.periodEnd) (\(c.findings.count))"
            }
            return "\(world.events[i].kind.rawValue) \(world.events[i].variant) \(world.events[i].exporter): " + leads.joined(separator: "; ")
        }
    }

    var missed: [String] {
        world.events.indices.filter { measured.contains(world.events[$0].kind) && !recalled($0) }.map { i in
            let e = world.events[i]
            return "\(e.kind.rawValue) \(e.variant) \(e.exporter)→\(e.importer ?? "*")\(e.via.map { " via \($0)" } ?? "") "
                + "\(e.codes.joined(separator: "/")) \(Period(monthIndex: e.first))–\(Period(monthIndex: e.last))"
        }
    }

    /// The per-kind and per-detector table (Markdown, as quoted in the README).
    var table: String {
        func pct(_ x: Double) -> String { String(format: "%.2f", x) }
        var lines = ["| kind / detector | planted | recalled | recall | cases led | true | case precision | findings | true | finding precision | cases per event |",
                     "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for kind in Kind.allCases {
            let es = events(kind)
            let led = cases.filter { findings[$0.findings[0]].detector == kind.detector }
            let own = findings.indices.filter { findings[$0].detector == kind.detector }
            let ownTrue = own.filter { !fitting[$0].isEmpty }
            let hit = es.filter(recalled)
            let perEvent = hit.isEmpty ? 0 : Double(hit.map(casesPerEvent).reduce(0, +)) / Double(hit.count)
            guard measured.contains(kind) else {
                lines.append("| `\(kind.rawValue)` | \(es.count) | not measured | – | – | – | – | – | – | – | – |")
                continue
            }
            lines.append("| `\(kind.rawValue)` | \(es.count) | \(hit.count) | \(pct(recall(kind))) | \(led.count) | "
                + "\(led.filter(isTrue).count) | \(led.isEmpty ? "–" : pct(Double(led.filter(isTrue).count) / Double(led.count))) | "
                + "\(own.count) | \(ownTrue.count) | \(own.isEmpty ? "–" : pct(Double(ownTrue.count) / Double(own.count))) | "
                + "\(String(format: "%.1f", perEvent)) |")
            let variants = Set(es.map { world.events[$0].variant }).sorted()
            if variants.count > 1 {
                for v in variants {
                    let vs = events(kind, variant: v)
                    lines.append("| ↳ \(v) | \(vs.count) | \(vs.filter(recalled).count) | \(pct(recall(kind, variant: v))) | | | | | | | |")
                }
            }
        }
        let es = measured.flatMap { events($0) }
        lines.append("| **all measured** | \(es.count) | \(es.filter(recalled).count) | \(pct(overallRecall)) | \(cases.count) | "
            + "\(cases.filter(isTrue).count) | \(pct(casePrecision)) | \(findings.count) | \(fitting.filter { !$0.isEmpty }.count) | "
            + "\(pct(Double(fitting.filter { !$0.isEmpty }.count) / Double(max(findings.count, 1)))) | |")
        lines.append("decoys: \(world.decoys.count); rows: \(world.rows.count); sources: \(Set(world.rows.map(\.source)).count)")
        return lines.joined(separator: "\n")
    }
}
