import Foundation
import Testing
import TradeConfig
import TradeCore
@testable import TradeIngest

enum TestSupport {
    static let fixtures = (Bundle.module.resourceURL ?? Bundle.module.bundleURL).appendingPathComponent("Fixtures")

    static func fixture(_ path: String) -> URL { fixtures.appendingPathComponent(path) }

    /// Countries from the fixture copy of reference/countries.csv, CNY at the 2024 annual average.
    /// Read once; a fixture that does not load fails each test that uses it, not the whole run.
    static var reference: ReferenceData { get throws { try loadedReference.get() } }

    private static let loadedReference = Result {
        let countries = try ReferenceLoader.loadCountries(url: fixture("reference/countries.csv"),
                                                          display: "reference/countries.csv")
        let codes = try ReferenceLoader.loadCommodityCodes(url: fixture("reference/rare_earth_codes.csv"),
                                                           display: "reference/rare_earth_codes.csv")
        return ReferenceData(countries: countries,
                             fxRates: [FXRate(currency: "CNY", period: Period(year: 2024), unitsPerUSD: 7.189)],
                             commodities: codes)
    }

    static func definition(_ format: SourceFormat, encoding: String = "auto", constants: [String: String] = [:],
                           cumulative: Bool = false, options: [String: LocatedValue] = [:]) -> SourceDefinition {
        SourceDefinition(name: "test", definitionFile: "Pipelines/test.yaml", format: format, patterns: ["*"],
                         encoding: encoding, constants: constants, cumulative: cumulative, options: options)
    }

    static func option(_ value: String) -> LocatedValue {
        LocatedValue(.scalar(value), at: SourceLocation(file: "Pipelines/test.yaml", line: 1, column: 1))
    }

    static func optionList(_ values: [String]) -> LocatedValue {
        LocatedValue(.list(values.map(option)), at: SourceLocation(file: "Pipelines/test.yaml", line: 1, column: 1))
    }

    struct Read {
        var outcomes: [RowOutcome] = []
        var summary = TableReadSummary()
        var trades: [TradeRow] { outcomes.compactMap { if case .trade(let t) = $0 { return t } else { return nil } } }
        var minerals: [MineralStat] { outcomes.compactMap { if case .mineral(let t) = $0 { return t } else { return nil } } }
        var commodities: [CommodityRow] { outcomes.compactMap { if case .commodity(let t) = $0 { return t } else { return nil } } }
        var rejected: [RejectedRow] { outcomes.compactMap { if case .rejected(let t) = $0 { return t } else { return nil } } }
        func rejectedAt(line: Int) -> RejectedRow? { rejected.first { $0.location.line == line } }
    }

    static func read<N: TableNormalizer>(_ reader: CSVTableReader<N>, url: URL, display: String,
                                         definition: SourceDefinition) throws -> Read {
        var result = Read()
        result.summary = try reader.readCounting(RawFile(url: url, displayPath: display), definition: definition,
                                                 reference: reference) { result.outcomes.append($0) }
        return result
    }

    /// Writes bytes to a fresh temporary file.
    static func temporaryFile(_ bytes: [UInt8], name: String = "t.csv") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func temporaryFile(_ text: String, name: String = "t.csv") throws -> URL {
        try temporaryFile(Array(text.utf8), name: name)
    }
}
