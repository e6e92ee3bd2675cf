import Foundation
import Testing
import TradeTestSupport
import TradeCore
@testable import TradeAnalysis

@Suite("detector settings and suite") struct DetectorSuiteTests {
    @Test func unknownNamesAreRejectedByName() throws {
        let e1 = #expect(throws: DetectorSettingsError.self) { try DetectorSettings(overrides: ["volume_spikes": ["z_threshold": 3]]) }
        #expect(e1?.detector == "volume_spikes" && e1?.key == nil)
        #expect(e1?.description.contains("volume_spikes") == true)
        let e2 = #expect(throws: DetectorSettingsError.self) { try DetectorSettings(overrides: ["mirror_gap": ["cif_allowance": 0.05]]) }
        #expect(e2?.detector == "mirror_gap" && e2?.key == "cif_allowance")
        #expect(e2?.description.contains("cif_fob_allowance") == true) // lists the known keys
        let e3 = #expect(throws: DetectorSettingsError.self) { try DetectorSettings(overrides: ["new_partner": ["baseline_years": 2.5]]) }
        #expect(e3?.key == "baseline_years")
    }

    @Test func overridesAreTyped() throws {
        let s = try DetectorSettings(overrides: ["mirror_gap": ["cif_fob_allowance": 0.08], "volume_spike": ["baseline_years": 4]])
        #expect(s.mirrorGap.cifFobAllowance == 0.08)
        #expect(s.volumeSpike.baselineYears == 4)
        #expect(s.fingerprintJSON != DetectorSettings().fingerprintJSON)
        #expect(DetectorSettings().fingerprintJSON == DetectorSettings().fingerprintJSON)
        #expect(s.fingerprintJSON.contains("\"cif_fob_allowance\":0.08"))
        #expect(s.fingerprintJSON.contains("\"detector_version\":\"\(DetectorSuite.version)\""))
    }

    /// Pipelines/detectors.yaml documents every threshold with its default value.
    @Test func yamlMatchesTheDefaults() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Pipelines/detectors.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var parsed: [String: [String: Double]] = [:]
        var section: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if !line.hasPrefix(" ") { section = parts[0]; parsed[parts[0]] = [:]; continue }
            guard let value = Double(parts[1]) else { Issue.record("not a number: \(line)"); continue }
            parsed[section!]![parts[0]] = value
        }
        #expect(parsed == DetectorSettings().values)
        #expect(raw(text).allSatisfy { $0.contains("#") }, "every threshold line has a comment")
        _ = try DetectorSettings(overrides: parsed)
    }

    private func raw(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix("  ") }
    }

    func combinedInput(shuffled: Bool) throws -> DetectionInput {
        var rows = NewPartnerDetectorTests().scenario() + TransshipmentConduitDetectorTests().scenario()
            + (try UnitValueOutlierDetectorTests().scenario()) + (try MirrorGapDetectorTests().annualScenario())
        if shuffled {
            var g = SeededGenerator(seed: 7)
            rows.shuffle(using: &g)
        }
        return DetectionInput(trade: rows, mineralStats: [], exportControls: [], commodities: try Fx.commodities())
    }

    @Test func runIsDeterministicAndIdempotent() throws {
        let a = DetectorSuite.run(try combinedInput(shuffled: false))
        let b = DetectorSuite.run(try combinedInput(shuffled: true))
        let c = DetectorSuite.run(try combinedInput(shuffled: true))
        #expect(!a.isEmpty)
        #expect(a == b && b == c)
        #expect(a.map(\.evidence.canonicalJSON) == b.map(\.evidence.canonicalJSON))
        expectWellFormed(a)
        let detectors = Set(a.map(\.detector))
        #expect(detectors.isSubset(of: Set(DetectorSuite.all.map(\.name))))
        #expect(detectors.count >= 3, "\(detectors)")
    }

    @Test func suiteListsTheDetectorsOnce() {
        #expect(DetectorSuite.all.map(\.name) == ["volume_spike", "new_partner", "mirror_gap", "transshipment_conduit",
                                                  "unit_value_outlier", "control_diversion", "source_conflict"])
        #expect(Set(DetectorSettings.parameterNames.keys) == Set(DetectorSuite.all.map(\.name)))
    }

    @Test func canonicalJSONSortsKeys() {
        let v: JSONValue = ["b": 1, "a": [1.5, "x\"y", nil, true]]
        #expect(v.canonicalJSON == #"{"a":[1.5,"x\"y",null,true],"b":1}"#)
    }

    /// Stored evidence is the same canonical text, except that a number JSON cannot hold is kept as
    /// a string (a log line writes null); it reads back as the string.
    @Test func storedEvidenceKeepsNonFiniteNumbersAsStrings() throws {
        let v: JSONValue = ["ratio": .number(.infinity), "z": .number(-.infinity), "gap": .number(.nan),
                            "kg": 1_250, "share": 0.125, "big": 1e20, "path": "Raw/a b/c.csv"]
        let stored = StoredEvidence.encode(v)
        #expect(stored == #"{"big":1e+20,"gap":"NaN","kg":1250,"path":"Raw/a b/c.csv","ratio":"Infinity","share":0.125,"z":"-Infinity"}"#)
        #expect(v.canonicalJSON == #"{"big":1e+20,"gap":null,"kg":1250,"path":"Raw/a b/c.csv","ratio":null,"share":0.125,"z":null}"#)
        let header = Anomaly(detector: "mirror_gap", severity: .low, score: 1, reporter: nil, partner: nil, hsCode: nil,
                             periodStart: "2024", periodEnd: "2024", summary: "s", evidence: .null)
        let back = try StoredEvidence.decode(stored, into: header)
        #expect(back.evidence["ratio"] == .string("Infinity"))
        #expect(back.evidence["kg"] == .number(1250))
        #expect(back.evidence["big"] == .number(1e20))
    }
}
