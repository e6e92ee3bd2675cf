import Foundation
import TradeCore
import TradeConfig

/// HS nomenclature table (`section,hscode,description,parent,level`, docs/FORMATS.md §4) → `CommodityRow`s.
///
/// - `nomenclature` is `options.nomenclature` (default `hs2022`).
/// - Comtrade's pseudo-codes `99`, `9999`, `999999` ("commodities not specified according to
///   kind") are loaded like any line: Comtrade extracts use them, so a join must find them.
/// - The `TOTAL` row is not a commodity line (it is Comtrade's all-commodities aggregate): it is
///   rejected with that reason, so the file still balances and nothing disappears silently.
/// - A parent of `TOTAL` (the chapters) becomes no parent; the section is not kept (`CommodityRow` has no field).
/// - Elements come from the reference code table when it lists the code (e.g. 280530 → `*`).
public struct HSNomenclatureNormalizer: TableNormalizer {
    private var file = ""
    private var names: [String] = []
    private var code = 0, description = 0
    private var parent: Int?, level: Int?
    private var nomenclature = "hs2022"
    private var reference = ReferenceData(countries: [])

    public init() {}

    public mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                               reference: ReferenceData) throws {
        self.file = file.displayPath
        self.reference = reference
        names = header
        let table = TableHeader(names: header, line: headerLine, file: file.displayPath)
        code = try table.require((definition.columns["code"] ?? []) + ["hscode", "code"], field: "code", source: definition.name)
        description = try table.require((definition.columns["description"] ?? []) + ["description"], field: "description",
                                        source: definition.name)
        parent = table.column((definition.columns["parent"] ?? []) + ["parent"])
        level = table.column((definition.columns["level"] ?? []) + ["level"])
        nomenclature = try definition.stringOption("nomenclature") ?? "hs2022"
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        let text = record.field(code).trimmingCharacters(in: .whitespaces)
        func reject(_ column: Int, _ reason: String) throws {
            try emit(.rejected(RejectedRow(location: record.location(ofField: column, file: file), columnName: names[column],
                                           reason: reason, rawText: record.rawText)))
        }
        if text.uppercased() == "TOTAL" {
            try reject(code, "TOTAL is Comtrade's all-commodities aggregate, not an HS line (not loaded)")
            return
        }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), [2, 4, 6].contains(text.count) else {
            try reject(code, "HS code \"\(text)\" is not 2, 4 or 6 digits")
            return
        }
        if let level {
            let levelText = record.field(level).trimmingCharacters(in: .whitespaces)
            guard Int(levelText) == text.count else {
                try reject(level, "level \"\(levelText)\" does not match the \(text.count)-digit code \(text)")
                return
            }
        }
        var parentCode = record.field(parent).trimmingCharacters(in: .whitespaces)
        if parentCode.uppercased() == "TOTAL" { parentCode = "" }
        try emit(.commodity(CommodityRow(
            code: text, level: text.count, parent: parentCode.isEmpty ? nil : parentCode,
            descriptionEN: record.field(description).trimmingCharacters(in: .whitespaces), descriptionZH: nil,
            elements: reference.commodity(code: text)?.elements ?? [], nomenclature: nomenclature, rawLine: record.line)))
    }
}

/// National code lists like `reference/rare_earth_codes.csv` → `CommodityRow`s
/// (`options.nomenclature` overrides the `kind` column).
public struct CommodityCodesNormalizer: TableNormalizer {
    private var table: CommodityCodeTable?

    public init() {}

    public mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                               reference: ReferenceData) throws {
        table = try CommodityCodeTable(header: TableHeader(names: header, line: headerLine, file: file.displayPath),
                                       nomenclature: try definition.stringOption("nomenclature"))
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        switch table!.row(record) {
        case .success(let row): try emit(.commodity(row))
        case .failure(let rejected): try emit(.rejected(rejected))
        }
    }
}

public typealias HSNomenclatureCSVReader = CSVTableReader<HSNomenclatureNormalizer>
public typealias CommodityCodesCSVReader = CSVTableReader<CommodityCodesNormalizer>
