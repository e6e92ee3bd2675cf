import Foundation
import Testing
import TradeCore
import TradeTestSupport
@testable import TradeWarehouse

/// The Bloom filter that lets a bulk load find repeated keys without the key index, and the load's
/// handling of its false alarms.
@Suite struct RepeatFilterTests {
    /// Well-spread, reproducible test hashes (Swift's `Hasher` is seeded per process).
    static func hashes(_ count: Int, seed: UInt64) -> [UInt64] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.next() }
    }

    /// Sized for 100 k rows of 128 bytes: every key put in is found, and about 0.1 % of keys never
    /// put in are "maybe" (the split-block layout at 16 bits a key; well under 1 % allowed here).
    @Test func findsEveryKeyItHoldsAndFewItDoesNot() {
        let filter = RepeatFilter(bytes: RepeatFilter.bytes(forFileBytes: 100_000 * 128, rowBytes: 128))
        let held = Self.hashes(100_000, seed: 1)
        for hash in held { filter.insert(hash) }
        #expect(held.allSatisfy { filter.mayContain($0) })
        let falseAlarms = Self.hashes(100_000, seed: 2).filter { filter.mayContain($0) }.count
        #expect(falseAlarms < 1_000, "false alarms: \(falseAlarms)")
        #expect(RepeatFilter.bytes(forFileBytes: 100_000 * 128, rowBytes: 128) == 200_000)
        #expect(RepeatFilter.bytes(forFileBytes: 10, rowBytes: 128) == 64)
        #expect(RepeatFilter.bytes(forFileBytes: 1 << 40, rowBytes: 128) == 8 << 20)
    }

    /// A file of 101 bytes gets a one-block filter, which 240 keys saturate: most new keys are then
    /// false alarms, held back and settled after the key index is built. The outcome is exactly
    /// that of a row-by-row load: the first row of each key loads, in line order, and every later
    /// one is rejected naming the first one's line — also among keys that were all false alarms.
    @Test func aSaturatedFilterStillLoadsTheFirstRowOfEachKeyAndRejectsTheRest() throws {
        let saturated = RepeatFilter(bytes: RepeatFilter.bytes(forFileBytes: 101, rowBytes: 128))
        for hash in Self.hashes(240, seed: 3) { saturated.insert(hash) }
        #expect(Self.hashes(100, seed: 4).filter { saturated.mayContain($0) }.count > 50)

        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        // 20 partners × 12 months, each key once, then every third key again, then every sixth a third time.
        let partners = (0..<20).map { "P" + String(format: "%02d", $0) }
        let keys = partners.flatMap { partner in (1...12).map { (partner, String(format: "2024-%02d", $0)) } }
        let order = keys + keys.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
            + keys.enumerated().filter { $0.offset % 6 == 0 }.map(\.element)
        var firstLine: [String: Int] = [:]
        var expectedRejects: [(line: Int, first: Int)] = []
        for (offset, (partner, period)) in order.enumerated() {
            let line = offset + 2
            if let first = firstLine[partner + period] { expectedRejects.append((line, first)) } else { firstLine[partner + period] = line }
        }
        let summary = try warehouse.loadFile(file("Raw/cc/saturated.csv", 1), source: "china-customs", runID: run) { sink in
            for (offset, (partner, period)) in order.enumerated() {
                try sink.add(trade(period, "CHN", partner, kg: Double(offset), usd: 1, line: offset + 2))
            }
        }
        #expect(summary.tradeRows == 240)
        #expect(summary.rowsRejected == 120)
        #expect(try column(warehouse, "SELECT raw_line FROM trade ORDER BY raw_line").map { Int($0)! }
                == firstLine.values.sorted())
        let rejects = try column(warehouse, "SELECT raw_line || ' ' || reason FROM rejected_rows ORDER BY raw_line")
        #expect(rejects == expectedRejects.map {
            "\($0.line) duplicate figure: same period, reporter, partner, flow and hs_code as line \($0.first) of this file"
        })
        // The unique natural-key index is in place after the load.
        #expect(try column(warehouse, "SELECT name FROM sqlite_master WHERE name = 'trade_natural_key'") == ["trade_natural_key"])
    }
}
