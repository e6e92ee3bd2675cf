import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// Reports lead with cases in rank order and fold each case's findings under it.
@Suite("Report cases")
struct ReportCaseTests {
    typealias F = ReportFixtures

    /// Where each needle first occurs in `text`, in the order given; fails on a missing needle.
    func positions(_ needles: [String], in text: String) throws -> [String.Index] {
        try needles.map { try #require(text.range(of: $0), "missing \($0)").lowerBound }
    }

    // MARK: Layout

    @Test func layoutOrdersCasesByRankAndLeavesTheRestLoose() {
        let layout = ReportFilter.all.layout(F.casedInput)
        #expect(layout.cases.map(\.reportCase.id) == [11, 12])
        #expect(layout.cases.map { $0.findings.map(\.id) } == [[4], [1, 6, 2]])
        // No case: the conduit (high) before the unit value (low).
        #expect(layout.loose.map(\.id) == [3, 5])
        #expect(layout.findings.map(\.id) == [4, 1, 6, 2, 3, 5])
    }

    @Test func aFilterThatRemovesEveryFindingOfACaseDropsTheCase() {
        // Both mirror gaps go: case 11 had only one, case 12 keeps two of its three.
        let filter = ReportFilter(detectors: ["new_partner", "volume_spike", "transshipment_conduit", "unit_value_outlier"])
        let layout = filter.layout(F.casedInput)
        #expect(layout.cases.map(\.reportCase.id) == [12])
        #expect(layout.cases[0].findings.map(\.id) == [1, 2])
        #expect(layout.cases[0].countText == "2 of 3")
        #expect(layout.loose.map(\.id) == [3, 5])

        let high = ReportFilter(minSeverity: .high).layout(F.casedInput)
        #expect(high.cases.map { $0.findings.map(\.id) } == [[1]])
        #expect(high.loose.map(\.id) == [3])
    }

    @Test func aFindingTwoCasesClaimIsShownOnceUnderTheBetterRanked() {
        var input = F.casedInput
        input.cases[0].findingIDs.append(4)              // case 12 (rank 2) also claims the JPN gap
        input.cases.append(ReportCase(id: 13, tradeCase: F.japanCase.tradeCase, findingIDs: [99]))  // names no shown finding
        let layout = ReportFilter.all.layout(input)
        #expect(layout.cases.map(\.reportCase.id) == [11, 12])
        #expect(layout.findings.map(\.id) == [4, 1, 6, 2, 3, 5])
    }

    @Test func storyOrderPutsTheLeadFirstThenTheExplainingDetector() {
        let members = [F.finding(2, F.spike), F.finding(6, F.turkeyMirror), F.finding(1, F.newPartner)]
        #expect(ReportCase.storyOrder(members, caseSummary: F.europiumCase.tradeCase.summary).map(\.id) == [1, 6, 2])
        // The lead is whichever finding's summary opens the case's, even a spike.
        #expect(ReportCase.storyOrder(members, caseSummary: F.spike.summary + " Also in this case: …").map(\.id) == [2, 1, 6])
    }

    // MARK: Formats

    @Test func htmlLeadsWithCasesAndFoldsTheirFindings() throws {
        let html = ReportWriter().html(F.casedInput)
        let order = try positions(["<h2>Cases</h2>", "id=\"case-11\"", "id=\"finding-4\"", "id=\"case-12\"", "id=\"finding-1\"",
                                   "id=\"finding-6\"", "id=\"finding-2\"", "<h2>Findings in no case</h2>",
                                   "id=\"finding-3\"", "id=\"finding-5\""], in: html)
        #expect(order == order.sorted())
        // Each case's findings lie inside its <details>.
        for (caseID, findings) in [(11, [4]), (12, [1, 6, 2])] as [(Int, [Int64])] {
            let start = try #require(html.range(of: "id=\"case-\(caseID)\""))
            let end = try #require(html.range(of: "</details>", range: start.upperBound..<html.endIndex))
            let body = html[start.upperBound..<end.lowerBound]
            for id in [1, 2, 3, 4, 5, 6] as [Int64] {
                #expect(body.contains("id=\"finding-\(id)\"") == findings.contains(id), "case \(caseID), finding \(id)")
            }
        }
        #expect(html.components(separatedBy: "<details").count - 1 == 2)
        #expect(html.components(separatedBy: "<svg").count - 1 == 6)
        for text in ["Case 2", "confidence 85 %", "CHN → TUR · HS 28469015 · 2024-02 – 2024-09", "at stake 152 t · $4.6 M",
                     "3 findings", "Case 1", "confidence 45 %", "at stake 590 t · $17.7 M", "1 finding<",
                     ">2.3.<", ">1.1.<", "href=\"#case-12\"", "Both the exporter"] {
            #expect(html.contains(text), "missing \(text)")
        }
    }

    @Test func htmlOpensOnlyTheFirstCases() throws {
        var input = F.casedInput
        input.cases = (1...5).map { n in
            var c = F.japanCase.tradeCase
            c.rank = n
            return ReportCase(id: Int64(20 + n), tradeCase: c, findingIDs: [Int64(n)])
        }
        let html = ReportWriter().html(input)
        let open = (21...25).map { id -> Bool in
            guard let r = html.range(of: "id=\"case-\(id)\"") else { return false }
            let tag = html[r.lowerBound...].prefix { $0 != ">" }
            return tag.contains(" open")
        }
        #expect(open == [true, true, true, false, false])
    }

    @Test func markdownLeadsWithCasesAndFoldsTheirFindings() throws {
        let md = ReportWriter().markdown(F.casedInput)
        #expect(md.contains("- Cases: 2\n"))
        #expect(md.contains("| 1 | MEDIUM | 45 % | trade | CHN → JPN | 280530 | 2022 – 2023 | 590 t · $17.7 M | 1 |"))
        #expect(md.contains("| 2 | HIGH | 85 % | trade | CHN → TUR | 28469015 | 2024-02 – 2024-09 | 152 t · $4.6 M | 3 |"))
        let order = try positions([
            "\n## Cases", "\n### Case 1 · MEDIUM · confidence 45 % · trade · CHN → JPN · HS 280530 · 2022 – 2023",
            "\n#### 1.1. MEDIUM · mirror_gap · CHN → JPN",
            "\n### Case 2 · HIGH · confidence 85 % · trade · CHN → TUR · HS 28469015 · 2024-02 – 2024-09",
            "At stake: 152 t · $4.6 M.", "\n#### 2.1. HIGH · new_partner", "\n#### 2.2. MEDIUM · mirror_gap · CHN → TUR",
            "\n#### 2.3. MEDIUM · volume_spike", "\n## Findings in no case",
            "\n### 1. HIGH · transshipment_conduit", "\n### 2. LOW · unit_value_outlier",
        ], in: md)
        #expect(order == order.sorted())
        #expect(md.components(separatedBy: "\n### Case ").count - 1 == 2)
    }

    @Test func jsonLeadsWithCasesAndNamesEachFindingsCase() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: ReportWriter().json(F.casedInput)) as? [String: Any])
        #expect(json["schema_version"] as? Int == 2)
        #expect(json["cases_total"] as? Int == 2)
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.map { $0["id"] as? Int } == [11, 12])
        #expect(cases.map { $0["rank"] as? Int } == [1, 2])
        #expect(cases.map { $0["finding_ids"] as? [Int] } == [[4], [1, 6, 2]])
        let europium = cases[1]
        #expect(europium["severity"] as? String == "high")
        #expect(europium["confidence"] as? Double == 0.85)
        #expect(europium["category"] as? String == "trade")
        #expect(europium["reporter"] as? String == "CHN" && europium["partner"] as? String == "TUR")
        #expect(europium["via"] is NSNull)
        #expect(europium["hs_code"] as? String == "28469015")
        #expect(europium["period_start"] as? String == "2024-02" && europium["period_end"] as? String == "2024-09")
        #expect(europium["tonnes_at_stake"] as? Double == 152.4 && europium["usd_at_stake"] as? Double == 4_572_000)
        #expect((europium["summary"] as? String)?.hasPrefix(F.newPartner.summary) == true)

        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(findings.map { $0["id"] as? Int } == [4, 1, 6, 2, 3, 5])
        #expect(findings.map { $0["case_id"] as? Int } == [11, 12, 12, 12, nil, nil])
        #expect(findings[4]["case_id"] is NSNull)
        #expect(findings.map { $0["declared_by"] as? String } == [nil, "CHN", "CHN+TUR", nil, nil, nil])
        #expect(Set(findings.map { $0["category"] as? String }) == ["trade"])
    }

    @Test func filtersDropCasesInEveryFormat() throws {
        let writer = ReportWriter(filter: ReportFilter(detectors: ["new_partner", "volume_spike", "transshipment_conduit", "unit_value_outlier"]))
        let html = writer.html(F.casedInput)
        #expect(!html.contains("id=\"case-11\"") && html.contains("id=\"case-12\""))
        #expect(!html.contains("id=\"finding-4\"") && !html.contains("id=\"finding-6\""))
        #expect(html.contains("2 of 3 findings"))
        let md = writer.markdown(F.casedInput)
        #expect(!md.contains("### Case 1 ") && md.contains("### Case 2 "))
        #expect(md.contains("- Cases: 1 of 2\n"))
        #expect(md.contains("| 2 | HIGH | 85 % | trade | CHN → TUR | 28469015 | 2024-02 – 2024-09 | 152 t · $4.6 M | 2 of 3 |"))
        let json = try #require(try JSONSerialization.jsonObject(with: writer.json(F.casedInput)) as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.map { $0["id"] as? Int } == [12])
        #expect(cases.map { $0["finding_ids"] as? [Int] } == [[1, 2]])
        #expect(json["cases_total"] as? Int == 2)
    }

    @Test func aNonFiniteConfidenceIsRefused() {
        var input = F.casedInput
        input.cases[0].tradeCase.confidence = .nan
        #expect(throws: ReportWriteError.self) { try ReportWriter().json(input) }
    }
}
