import Foundation
import TradeCore
import TradeConfig
@testable import TradeIngest

/// Fixtures, reference data and a private CSV splitter for the Comtrade / SDMX / XLSX tests
/// (namespaced so they do not collide with other test helpers in this target).
enum FormatsFixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ path: String) -> URL {
        (Bundle.module.resourceURL ?? Bundle.module.bundleURL).appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    static func file(_ path: String) -> RawFile {
        RawFile(url: url(path), displayPath: "Raw/\(path)")
    }

    /// The committed country table, read with the test splitter. Read once; a table that does not
    /// load fails each test that uses it, not the whole run.
    static var reference: ReferenceData { get throws { try loadedReference.get() } }

    private static let loadedReference = Result {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("Pipelines/reference/countries.csv"), encoding: .utf8)
        let rows = csvRows(text)
        let countries = rows.dropFirst().filter { $0.count >= 7 }.map {
            Country(iso3: $0[0], iso2: $0[1], isoNumeric: $0[2], comtradeCode: $0[3], nameEN: $0[4], nameZH: $0[5],
                    aliases: $0[6].split(separator: "|").map(String.init))
        }
        let fx = [FXRate(currency: "EUR", period: Period(year: 2024, month: 1), unitsPerUSD: 0.92),
                  FXRate(currency: "EUR", period: Period(year: 2024, month: 2), unitsPerUSD: 0.925)]
        return ReferenceData(countries: countries, fxRates: fx)
    }

    static func definition(_ format: SourceFormat, options: [String: YAMLValue] = [:]) -> SourceDefinition {
        var located: [String: LocatedValue] = [:]
        var line = 10
        for (k, v) in options {
            located[k] = LocatedValue(v, at: SourceLocation(file: "Pipelines/test.yaml", line: line, column: 3))
            line += 1
        }
        return SourceDefinition(name: "test-\(format.rawValue)", definitionFile: "Pipelines/test.yaml", format: format,
                                patterns: ["*"], options: located)
    }

    static func scalar(_ s: String) -> LocatedValue {
        LocatedValue(.scalar(s), at: SourceLocation(file: "Pipelines/test.yaml", line: 1, column: 1))
    }

    static func map(_ m: [String: LocatedValue]) -> LocatedValue {
        LocatedValue(.map(m), at: SourceLocation(file: "Pipelines/test.yaml", line: 1, column: 1))
    }

    static func read(_ reader: some SourceReader, _ file: RawFile, _ definition: SourceDefinition,
                     reference: ReferenceData? = nil) throws -> [RowOutcome] {
        var out: [RowOutcome] = []
        try reader.read(file, definition: definition, reference: reference ?? Self.reference) { out.append($0) }
        return out
    }

    /// Minimal RFC 4180 splitter (quotes, doubled quotes, CRLF) — test-only; the product's CSV reader is elsewhere.
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else {
                switch c {
                case "\"": quoted = true
                case ",": row.append(field); field = ""
                case "\r": break
                case "\n": row.append(field); rows.append(row); row = []; field = ""
                default: field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// Feeds a CSV file through a normalizer the way the CSV container will (line = 1-based file line).
    static func normalizeCSV(_ path: String, _ normalizer: inout some TableNormalizer,
                             definition: SourceDefinition) throws -> [RowOutcome] {
        let file = file(path)
        // The CSV reader's records carry its field positions, which rejected rows' columns come from.
        let reader = try CSVReader(url: file.url, display: file.displayPath, encoding: "utf-8")
        var records: [TableRecord] = []
        try reader.forEach { if !$0.isBlank { records.append($0) } }
        var out: [RowOutcome] = []
        try normalizer.begin(header: records[0].fields, headerLine: records[0].line, file: file, definition: definition,
                             reference: reference)
        for record in records.dropFirst() {
            try normalizer.normalize(record) { out.append($0) }
        }
        try normalizer.finish { out.append($0) }
        return out
    }
}

extension FormatsFixtures {
    static func trades(_ outcomes: [RowOutcome]) -> [TradeRow] {
        outcomes.compactMap { if case .trade(let t) = $0 { return t }; return nil }
    }
    static func rejected(_ outcomes: [RowOutcome]) -> [RejectedRow] {
        outcomes.compactMap { if case .rejected(let r) = $0 { return r }; return nil }
    }
    static func observations(_ outcomes: [RowOutcome]) -> [SeriesObservation] {
        outcomes.compactMap { if case .observation(let o) = $0 { return o }; return nil }
    }
}
