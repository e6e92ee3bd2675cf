import Foundation
import Testing
import TradeConfig
import TradeCore
@testable import TradeIngest

/// The committed Pipelines/*.yaml, the scanner and the reader registry together on a Raw/ folder
/// holding the real USGS, HS and China customs fixtures.
@Test func committedPipelinesReadARawFolder() throws {
    let fm = FileManager.default
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let definitions = try DefinitionLoader.loadSources(directory: root.appendingPathComponent("Pipelines"), displayDirectory: "Pipelines")
    let reference = try ReferenceLoader.load(directory: root.appendingPathComponent("Pipelines/reference"),
                                             displayDirectory: "Pipelines/reference")

    let raw = fm.temporaryDirectory.appendingPathComponent("tw-raw-\(UUID().uuidString)")
    for dir in ["usgs-mcs", "hs", "china-customs"] {
        try fm.createDirectory(at: raw.appendingPathComponent(dir), withIntermediateDirectories: true)
    }
    for name in ["mcs2022-raree_world.csv", "mcs2023-raree_world.csv", "mcs2022-raree_salient.csv", "mcs2023-raree_salient.csv"] {
        try fm.copyItem(at: TestSupport.fixture("usgs/\(name)"), to: raw.appendingPathComponent("usgs-mcs/\(name)"))
    }
    try fm.copyItem(at: TestSupport.fixture("hs/harmonized-system.csv"), to: raw.appendingPathComponent("hs/harmonized-system.csv"))
    try fm.copyItem(at: TestSupport.fixture("china/customs-export-monthly.gb18030.csv"),
                    to: raw.appendingPathComponent("china-customs/稀土出口.csv"))

    var loaded: [String: Int] = [:]
    var rejected: [String: Int] = [:]
    for definition in definitions {
        guard let reader = SourceReaders.reader(for: definition.format) else { continue }
        let scan = try RawFileScanner.scan(definition, rawDirectory: raw, rawDisplay: "Raw")
        #expect(scan.skipped.isEmpty)
        for file in scan.files {
            try reader.read(file.file, definition: definition, reference: reference) { outcome in
                if case .rejected = outcome { rejected[definition.format.rawValue, default: 0] += 1 }
                else { loaded[definition.format.rawValue, default: 0] += 1 }
            }
        }
    }
    #expect(loaded["usgs-world-csv"] == 34 + 51)
    #expect(loaded["usgs-salient-csv"] == 2 * 5 * 19)
    #expect(loaded["hs-csv"] == 6939 && rejected["hs-csv"] == 1)
    // The real FX table and file-name flow (出口) on the GB18030 fixture; sum_over changes nothing here.
    #expect(loaded["china-customs-csv"] == 5 && rejected["china-customs-csv"] == 6)
}
