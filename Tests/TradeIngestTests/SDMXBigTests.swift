import Foundation
import Testing
import TradeCore
import TradeConfig
@testable import TradeIngest

private typealias F = FormatsFixtures

/// Memory/speed check on a generated ~500 MB message: `TRADEWATCH_BIG=1 swift test --filter SDMXBigTests`
/// (`TRADEWATCH_BIG_MB` changes the size; the file is kept in the temp directory for reuse).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TRADEWATCH_BIG"] == "1"))
struct SDMXBigTests {
    static func peakRSSMB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    @Test func bigMessageStreamsInFlatMemory() throws {
        let mb = Int(ProcessInfo.processInfo.environment["TRADEWATCH_BIG_MB"] ?? "500") ?? 500
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-big-\(mb).xml")
        let countURL = url.appendingPathExtension("count")
        if !FileManager.default.fileExists(atPath: countURL.path) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", F.repoRoot.appendingPathComponent("tools/gen-sdmx.py").path, url.path, "\(mb)"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            try out.write(to: countURL)
        }
        let expected = Int(String(decoding: try Data(contentsOf: countURL), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        let bytes = Double((try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0)
        let file = RawFile(url: url, displayPath: "big.xml")

        var count = 0
        var start = Date()
        try SDMXReader().read(file, definition: F.definition(.sdmx, options: ["kind": .scalar("observations")]),
                              reference: F.reference) { outcome in
            if case .observation = outcome { count += 1 }
        }
        let observationSeconds = Date().timeIntervalSince(start)
        #expect(count == expected)

        var fx: [FXRate] = []
        for y in 2020...2024 { fx.append(FXRate(currency: "EUR", period: Period(year: y), unitsPerUSD: 0.9)) }
        let reference = ReferenceData(countries: try F.reference.countries, fxRates: fx)
        var trades = 0, rejected = 0
        start = Date()
        try SDMXReader().read(file, definition: F.definition(.sdmx, options: SDMXTests.comextOptions),
                              reference: reference) { outcome in
            switch outcome {
            case .trade: trades += 1
            case .rejected: rejected += 1
            default: break
            }
        }
        let tradeSeconds = Date().timeIntervalSince(start)
        #expect(trades == expected / 2)   // quantity and value merged pairwise
        #expect(rejected == 0)

        let peak = Self.peakRSSMB()
        print(String(format: "big SDMX: %.0f MB, %d obs; observations %.1f s (%.0f MB/s), trade %.1f s (%.0f MB/s); peak RSS %.1f MB",
                     bytes / 1_048_576, count, observationSeconds, bytes / 1_048_576 / observationSeconds,
                     tradeSeconds, bytes / 1_048_576 / tradeSeconds, peak))
        #expect(peak < 100)
    }
}
