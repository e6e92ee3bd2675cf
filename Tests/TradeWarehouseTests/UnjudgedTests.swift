import Foundation
import GRDB
import Testing
import TradeCore
@testable import TradeWarehouse

/// A detection's count of series left unjudged is stored and read back; a stored value of the wrong
/// shape is an error, never an empty count.
@Suite struct UnjudgedTests {
    @Test func unjudgedCountsReadBackAndAMalformedOneIsAnError() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try warehouse.latestUnjudged() == [:])
        let run = try warehouse.beginRun(command: "detect")
        try warehouse.replaceAnomalies(runID: run, detectorVersion: "t", thresholdsJSON: "{}", [],
                                       unjudged: ["source covers the declarer for less than 4 years": 3])
        #expect(try warehouse.latestUnjudged() == ["source covers the declarer for less than 4 years": 3])
        try warehouse.write("corrupt the count") { db in
            try db.execute(sql: "UPDATE detection SET unjudged = '[1, 2]'")
        }
        #expect(throws: Diagnostic.self) { _ = try warehouse.latestUnjudged() }
    }
}
