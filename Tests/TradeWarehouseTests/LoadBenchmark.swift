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
        func rows(_ scale: Double) -> [RowOutcome] {
            var rows: [RowOutcome] = []
            rows.reserveCapacity(1_008_000)
            var line = 1
            for period in periods {
                for partner in partners {
                    for code in codes {
                        line += 1
                        rows.append(.trade(TradeRow(period: period, reporter: "CHN", partner: partner, flow: .export,
                                                    hsCode: code, quantityKg: Double(line) * scale,
                                                    valueUSD: Double(line) * 31 * scale, valuation: .fob, rawLine: line)))
                    }
                }
            }
            return rows
        }
        func timed<T>(_ label: String, count: Int, _ body: () throws -> T) rethrows -> T {
            let clock = ContinuousClock.now
            let result = try body()
            let seconds = (ContinuousClock.now - clock).seconds
            print("bench: \(label): \(String(format: "%.2f", seconds)) s (\(Int(Double(count) / seconds)) rows/s)")
            return result
        }
        let v1 = timed("build 1M TradeRows in memory", count: 1_008_000) { rows(1) }
        let first = try timed("load 1M rows into an empty warehouse", count: v1.count) {
            try warehouse.loadFile(file("Raw/cc/all-v1.csv", 1), source: "china-customs", runID: run) { sink in
                for row in v1 { try sink.add(row) }
            }
        }
        let v2 = rows(1.01)
        let second = try timed("load a revised 1M-row vintage superseding every row", count: v2.count) {
            try warehouse.loadFile(file("Raw/cc/all-v2.csv", 2), source: "china-customs", runID: run) { sink in
                for row in v2 { try sink.add(row) }
            }
        }
        _ = try timed("a body that adds nothing (transaction + supersession probe)", count: 1) {
            try warehouse.loadFile(file("Raw/cc/empty.csv", 3), source: "china-customs", runID: run) { _ in }
        }
        #expect(first.rowsLoaded == 1_008_000)
        #expect(second.rowsSuperseded == 1_008_000)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
