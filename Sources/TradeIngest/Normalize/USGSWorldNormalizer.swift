import Foundation
import TradeCore
import TradeConfig

/// USGS MCS world table (`*_world.csv`, docs/FORMATS.md §3) → `MineralStat`s, one per country × year column.
///
/// - Years come from header names: `Prod_t_2020`, `Prod_t_Est_2021`, `Prod_t_est_2022`
///   (`est` → estimated) → `mine_production`; `Reserves_t` → `reserves`. USGS publishes
///   reserves "as of" the edition, so their year is the edition's last production year
///   (MCS2023: 2022); `Reserves_t_2022` names it explicitly; `options.reserves_year` overrides.
/// - `Prod_notes`/`Reserves_notes` become notes; "Estimated in 2021 also." marks 2021 estimated.
/// - `World total (rounded)` → WLD, `Other countries` → OTH, other names through the country
///   table (Burma → MMR is an alias there); `options.countries` maps extra names.
/// - `NA`/empty → value NULL (loaded: not available is a fact); `"7,900"`, `>95` handled
///   (see `USGSCell`); any other text rejects the row, naming the column.
/// - A record yields several outcomes (one per year column), or one rejected row.
public struct USGSWorldNormalizer: TableNormalizer {
    struct MeasureColumn { var index: Int; var measure: String; var year: Int; var estimated: Bool; var noteIndex: Int? }

    private var file = ""
    private var names: [String] = []
    private var countryIndex = 0
    private var measures: [MeasureColumn] = []
    private var unit = "t_REO"
    private var reference = ReferenceData(countries: [])
    private var extraCountries: [String: String] = [:]
    private var source = ""

    public init() {}

    public mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                               reference: ReferenceData) throws {
        self.file = file.displayPath
        self.reference = reference
        source = definition.name
        names = header
        let table = TableHeader(names: header, line: headerLine, file: file.displayPath)
        countryIndex = try table.require((definition.columns["country"] ?? []) + ["Country"], field: "country", source: source)
        unit = try definition.stringOption("unit") ?? "t_REO"
        extraCountries = try definition.mapOption("countries") ?? [:]
        let prodNotes = table.column(["Prod_notes", "Production_notes"])
        let reservesNotes = table.column(["Reserves_notes"])
        var reserveColumns: [(Int, Int?)] = []
        for (i, name) in header.enumerated() {
            let parts = name.split(separator: "_").map(String.init)
            if parts.count >= 3, parts[0].lowercased() == "prod", parts[1].lowercased() == "t",
               let year = Int(parts.last!), (1900...2200).contains(year) {
                let estimated = parts.dropFirst(2).dropLast().contains { $0.lowercased() == "est" }
                measures.append(MeasureColumn(index: i, measure: "mine_production", year: year, estimated: estimated,
                                              noteIndex: prodNotes))
            } else if parts.count >= 2, parts[0].lowercased() == "reserves", parts[1].lowercased() == "t" {
                reserveColumns.append((i, parts.count >= 3 ? Int(parts.last!) : nil))
            }
        }
        if !reserveColumns.isEmpty {
            let editionYear = measures.map(\.year).max()
            let optionYear = try definition.intOption("reserves_year", in: 1900...2200)
            for (i, explicit) in reserveColumns {
                guard let year = explicit ?? optionYear ?? editionYear else {
                    throw Diagnostic("cannot tell the year of \(header[i]): no Prod_t_YYYY column; set options.reserves_year",
                                     at: SourceLocation(file: file.displayPath, line: headerLine, column: 1), source: source)
                }
                measures.append(MeasureColumn(index: i, measure: "reserves", year: year, estimated: false,
                                              noteIndex: reservesNotes))
            }
        }
        guard !measures.isEmpty else {
            throw Diagnostic("no Prod_t_YYYY or Reserves_t columns; the header has: \(header.joined(separator: ", "))",
                             at: SourceLocation(file: file.displayPath, line: headerLine, column: 1), source: source)
        }
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        let name = record.field(countryIndex).trimmingCharacters(in: .whitespaces)
        var countryNote: String?
        let country: String
        if let mapped = extraCountries[name] {
            country = mapped
        } else if name.lowercased().hasPrefix("world total") {
            country = "WLD"
            if name.lowercased().contains("rounded") { countryNote = "rounded" }
        } else if name.lowercased() == "other countries" {
            country = "OTH"
        } else if let iso = reference.iso3(forName: name) {
            country = iso
        } else {
            try emit(.rejected(RejectedRow(location: record.location(ofField: countryIndex, file: file),
                                           columnName: names[countryIndex],
                                           reason: name.isEmpty ? "empty country" : "unknown country \"\(name)\"",
                                           rawText: record.rawText)))
            return
        }
        var stats: [MineralStat] = []
        for m in measures {
            let text = record.field(m.index)
            let rowNote = record.field(m.noteIndex).trimmingCharacters(in: .whitespaces)
            var estimated = m.estimated
            if !estimated, rowNote.range(of: "Estimated in \(m.year)", options: .caseInsensitive) != nil { estimated = true }
            let value: Double?, cellNote: String?
            switch USGSCell(text) {
            case .value(let v, let note): (value, cellNote) = (v, note)
            case .missing(let note): (value, cellNote) = (nil, note)
            case .invalid:
                try emit(.rejected(RejectedRow(location: record.location(ofField: m.index, file: file),
                                               columnName: names[m.index],
                                               reason: "\"\(text)\" in column \(names[m.index]) is not a number",
                                               rawText: record.rawText)))
                return
            }
            let note = [cellNote, countryNote, rowNote.isEmpty ? nil : rowNote].compactMap { $0 }.joined(separator: "; ")
            stats.append(MineralStat(country: country, year: m.year, measure: m.measure, value: value, unit: unit,
                                     estimated: estimated, note: note.isEmpty ? nil : note, rawLine: record.line))
        }
        for s in stats { try emit(.mineral(s)) }
    }
}

/// USGS salient-statistics table (`*_salient.csv`): one row per year of US figures → `MineralStat`s.
///
/// Header → measure (unit): `USprod_Concentrate_t` → `us_mine_production` (t_REO),
/// `USprod_X_t` → `us_production_x`, `Imports_X_t` → `us_imports_x`, `Exports_X_t` → `us_exports_x`,
/// `Consump_X_t` → `us_consumption_x` (t_REO); `Price_Eu2O3_dkg` → `price_eu2o3_usd_per_kg` (USD/kg);
/// `Employment_num` → `us_employment` (persons); `NIR_X_pct` (MCS2022 wrote `_t`) →
/// `net_import_reliance_x_pct` (percent). `X` is lower-cased, `-` → `_`. `E` (net exporter),
/// `XX`, `W`, `NA` → value NULL with the meaning as note; `>95` → 95 with note `>95`.
/// Columns not matching these forms are ignored. Year `2023_estimated` → 2023, estimated.
public struct USGSSalientNormalizer: TableNormalizer {
    private var file = ""
    private var names: [String] = []
    private var yearIndex = 0
    private var columns: [(index: Int, measure: String, unit: String)] = []
    private var country = "USA"

    public init() {}

    /// Measure name and unit for a salient-table header, nil for columns that are not figures.
    public static func measure(forHeader header: String) -> (measure: String, unit: String)? {
        let parts = header.split(separator: "_").map(String.init)
        guard parts.count >= 2 else { return nil }
        let suffix = parts.last!.lowercased()
        let middle = parts.dropFirst().dropLast().joined(separator: "_").lowercased().replacingOccurrences(of: "-", with: "_")
        switch (parts[0].lowercased(), suffix) {
        case ("usprod", "t"): return (middle == "concentrate" ? "us_mine_production" : "us_production_\(middle)", "t_REO")
        case ("imports", "t"): return ("us_imports_\(middle)", "t_REO")
        case ("exports", "t"): return ("us_exports_\(middle)", "t_REO")
        case ("consump", "t"): return ("us_consumption_\(middle)", "t_REO")
        case ("price", "dkg"): return ("price_\(middle)_usd_per_kg", "USD/kg")
        case ("employment", "num"): return ("us_employment", "persons")
        case ("nir", "t"), ("nir", "pct"): return ("net_import_reliance_\(middle)_pct", "percent")
        default: return nil
        }
    }

    public mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                               reference: ReferenceData) throws {
        self.file = file.displayPath
        names = header
        let table = TableHeader(names: header, line: headerLine, file: file.displayPath)
        yearIndex = try table.require((definition.columns["year"] ?? []) + ["Year"], field: "year", source: definition.name)
        if let c = try definition.stringOption("country") {
            guard let iso = reference.iso3(forCode: c) else {
                throw Diagnostic("option country \"\(c)\" is not a known ISO code", at: definition.location(of: "country"),
                                 source: definition.name)
            }
            country = iso
        }
        for (i, name) in header.enumerated() {
            if let m = Self.measure(forHeader: name) { columns.append((i, m.measure, m.unit)) }
        }
        guard !columns.isEmpty else {
            throw Diagnostic("no salient-statistics columns (USprod_…_t, Imports_…_t, Price_…_dkg, NIR_…); the header has: \(header.joined(separator: ", "))",
                             at: SourceLocation(file: file.displayPath, line: headerLine, column: 1), source: definition.name)
        }
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        let yearText = record.field(yearIndex).trimmingCharacters(in: .whitespaces)
        let yearPart = yearText.split(separator: "_").first.map(String.init) ?? ""
        guard yearPart.count == 4, let year = Int(yearPart), (1900...2200).contains(year) else {
            try emit(.rejected(RejectedRow(location: record.location(ofField: yearIndex, file: file), columnName: names[yearIndex],
                                           reason: "year \"\(yearText)\" is not a year", rawText: record.rawText)))
            return
        }
        let estimated = yearText.lowercased().contains("est")
        var stats: [MineralStat] = []
        for c in columns {
            let text = record.field(c.index)
            switch USGSCell(text) {
            case .value(let v, let note):
                stats.append(MineralStat(country: country, year: year, measure: c.measure, value: v, unit: c.unit,
                                         estimated: estimated, note: note, rawLine: record.line))
            case .missing(let note):
                stats.append(MineralStat(country: country, year: year, measure: c.measure, value: nil, unit: c.unit,
                                         estimated: estimated, note: note, rawLine: record.line))
            case .invalid:
                try emit(.rejected(RejectedRow(location: record.location(ofField: c.index, file: file), columnName: names[c.index],
                                               reason: "\"\(text)\" in column \(names[c.index]) is not a number",
                                               rawText: record.rawText)))
                return
            }
        }
        for s in stats { try emit(.mineral(s)) }
    }
}

public typealias USGSWorldCSVReader = CSVTableReader<USGSWorldNormalizer>
public typealias USGSSalientCSVReader = CSVTableReader<USGSSalientNormalizer>
