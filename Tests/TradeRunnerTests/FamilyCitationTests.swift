import Foundation
import Testing
import TradeAnalysis
import TradeCore
import TradeRunner
import TradeWarehouse

/// Detection cites each finding's raw files from the rows of its code family while they are in
/// memory (`FamilyFiles`); the warehouse can answer the same question with a query
/// (`Warehouse.rawFiles`). On the sample — annual and monthly rows, several sources, files that
/// supersede others — both give the same files for every finding.
@Suite(.serialized) struct FamilyCitationTests {
    @Test func everyFindingCitesTheFilesTheWarehouseQueryFinds() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        #expect(try ws.pipeline().run().status == .success)
        let warehouse = try Warehouse.openReadOnly(path: ws.warehousePath)
        let findings = try warehouse.anomalies().map(\.anomaly)
        #expect(findings.count > 20)
        var compared = 0
        for finding in findings {
            guard case .object(var evidence) = finding.evidence else { continue }
            let keys = ["files", "exporter_files", "importer_files"]
            let stored = keys.map { evidence[$0] }
            for key in keys { evidence[key] = nil }
            var bare = finding
            bare.evidence = .object(evidence)
            let queried = try FileCitation.citing(bare) {
                try warehouse.rawFiles(source: $0, declarer: $1, flow: $2, codePrefix: $3, partner: $4, from: $5, to: $6,
                                       limit: FileCitation.limit)
            }
            guard case .object(let expected) = queried.evidence else { continue }
            #expect(keys.map { expected[$0] } == stored, "\(finding.detector) \(finding.reporter ?? "") \(finding.hsCode ?? "")")
            if stored.contains(where: { $0 != nil }) { compared += 1 }
        }
        #expect(compared > 20)
    }
}
