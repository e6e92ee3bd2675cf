import Foundation
import Testing
import TradeCore
@testable import TradeWarehouse

/// Load throughput on a million-row file; runs only with `TRADEWATCH_BENCH=1` (it takes a while in debug).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TRADEWATCH_BENCH"] != nil))
struct LoadBenchmark {
    @Test func millionRowFileThenARevisedVintage() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let warehouse = try Warehouse(path: dir.appendingPathComponent("bench.sqlite").path)
        let run = try warehouse.beginRun(command: "bench")
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let partners = (0..<200).map { "P\(letters[$0 / 26])\(letters[$0 % 26])" }
        let codes = (0..<42).map { String(28469000 + $0) }
        let periods = (0..<120).map { Period(year: 2015 + $0 / 12, month: $0 % 12 + 1) }
        func body(_ scale: Double) -> (FileLoadSink) throws -> Void {
            { sink in
                var line = 1
                for period in periods {
                    for partner in partners {
                        for code in codes {
                            line += 1
                            try sink.add(.trade(TradeRow(period: period, reporter: "CHN", partner: partner, flow: .export,
                                                         hsCode: code, quantityKg: Double(line) * scale,
                                                         valueUSD: Double(line) * 31 * scale, valuation: .fob, rawLine: line)))
                        }
                    }
                }
            }
        }
        var clock = ContinuousClock.now
        let first = try warehouse.loadFile(file("Raw/cc/all-v1.csv", 1), source: "china-customs", runID: run, body(1))
        let firstSeconds = (ContinuousClock.now - clock).seconds
        clock = ContinuousClock.now
        let second = try warehouse.loadFile(file("Raw/cc/all-v2.csv", 2), source: "china-customs", runID: run, body(1.01))
        let secondSeconds = (ContinuousClock.now - clock).seconds
        #expect(first.rowsLoaded == 1_008_000)
        #expect(second.rowsSuperseded == 1_008_000)
        print("""
            bench: first load \(first.rowsLoaded) rows in \(String(format: "%.2f", firstSeconds)) s \
            (\(Int(Double(first.rowsLoaded) / firstSeconds)) rows/s); revised vintage superseding \
            \(second.rowsSuperseded) rows in \(String(format: "%.2f", secondSeconds)) s \
            (\(Int(Double(second.rowsLoaded) / secondSeconds)) rows/s)
            """)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
