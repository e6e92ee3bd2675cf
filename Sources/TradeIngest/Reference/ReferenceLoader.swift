import Foundation
import TradeCore

/// Loads `Pipelines/reference/` into `ReferenceData`: `countries.csv` (required),
/// `fx_rates.csv`, `rare_earth_codes.csv`, `export_controls.csv` (each optional: an absent
/// table is empty). Lines whose first cell starts with `#` are comments. A bad cell
/// throws a `Diagnostic` located at file:line:column.
public enum ReferenceLoader {
    public static func load(directory: URL, displayDirectory: String) throws -> ReferenceData {
        func path(_ name: String) -> (URL, String) {
            (directory.appendingPathComponent(name), displayDirectory.isEmpty ? name : "\(displayDirectory)/\(name)")
        }
        let (countriesURL, countriesDisplay) = path("countries.csv")
        guard FileManager.default.fileExists(atPath: countriesURL.path) else {
            throw Diagnostic("reference table countries.csv is missing", at: SourceLocation(file: countriesDisplay, line: 1))
        }
        let countries = try loadCountries(url: countriesURL, display: countriesDisplay)
        let (fxURL, fxDisplay) = path("fx_rates.csv")
        let fx = FileManager.default.fileExists(atPath: fxURL.path) ? try loadFXRates(url: fxURL, display: fxDisplay) : []
        let (codesURL, codesDisplay) = path("rare_earth_codes.csv")
        let codes = FileManager.default.fileExists(atPath: codesURL.path)
            ? try loadCommodityCodes(url: codesURL, display: codesDisplay) : []
        let (controlsURL, controlsDisplay) = path("export_controls.csv")
        let controls = FileManager.default.fileExists(atPath: controlsURL.path)
            ? try loadExportControls(url: controlsURL, display: controlsDisplay) : []
        let (concordanceURL, concordanceDisplay) = path("hs_concordance.csv")
        let concordance = FileManager.default.fileExists(atPath: concordanceURL.path)
            ? try loadConcordance(url: concordanceURL, display: concordanceDisplay) : []
        return ReferenceData(countries: countries, fxRates: fx, commodities: codes, exportControls: controls,
                             concordance: concordance)
    }

    /// `from_code,from_edition,to_code,to_edition,valid_from,valid_to,note,confidence`.
    public static func loadConcordance(url: URL, display: String) throws -> [HSConcordance] {
        var result: [HSConcordance] = []
        try ReferenceTable.read(url: url, display: display) { table in
            let from = try table.require("from_code"), fromEdition = try table.require("from_edition")
            let to = try table.require("to_code"), toEdition = try table.require("to_edition")
            let validFrom = table.header.column(["valid_from"]), validTo = table.header.column(["valid_to"])
            let note = table.header.column(["note"]), confidence = table.header.column(["confidence"])
            return { record in
                func code(_ i: Int, _ name: String) throws -> String {
                    let text = record.field(i).trimmingCharacters(in: .whitespaces)
                    guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw table.error("\(name) \"\(text)\" is not a code of digits", record, i)
                    }
                    return text
                }
                func date(_ i: Int?, _ name: String) throws -> String? {
                    let text = record.field(i).trimmingCharacters(in: .whitespaces)
                    if text.isEmpty { return nil }
                    guard isISODate(text) else { throw table.error("\(name) \"\(text)\" is not a date YYYY-MM-DD", record, i ?? 0) }
                    return text
                }
                result.append(HSConcordance(
                    fromCode: try code(from, "from_code"), fromEdition: record.field(fromEdition),
                    toCode: try code(to, "to_code"), toEdition: record.field(toEdition),
                    validFrom: try date(validFrom, "valid_from"), validTo: try date(validTo, "valid_to"),
                    note: record.field(note), confidence: record.field(confidence)))
            }
        }
        return result
    }

    /// `iso3,iso2,iso_numeric,comtrade_code,name_en,name_zh,aliases` (aliases `|`-separated).
    public static func loadCountries(url: URL, display: String) throws -> [Country] {
        var result: [Country] = []
        try ReferenceTable.read(url: url, display: display) { table in
            let iso3 = try table.require("iso3"), iso2 = try table.require("iso2")
            let numeric = try table.require("iso_numeric"), comtrade = table.header.column(["comtrade_code"])
            let en = try table.require("name_en"), zh = try table.require("name_zh")
            let aliases = table.header.column(["aliases"])
            return { record in
                let code = record.field(iso3)
                guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw table.error("iso3 \"\(code)\" is not three capital letters", record, iso3)
                }
                let num = record.field(numeric)
                guard num.isEmpty || (num.count == 3 && num.allSatisfy(\.isASCII) && Int(num) != nil) else {
                    throw table.error("iso_numeric \"\(num)\" is not three digits", record, numeric)
                }
                let ct = record.field(comtrade)
                result.append(Country(iso3: code, iso2: record.field(iso2), isoNumeric: num,
                                      comtradeCode: ct.isEmpty ? num : ct, nameEN: record.field(en),
                                      nameZH: record.field(zh),
                                      aliases: record.field(aliases).split(separator: "|").map {
                                          $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
            }
        }
        return result
    }

    /// `currency,period,units_per_usd[,note]`: period `YYYY` (annual average) or `YYYY-MM`.
    public static func loadFXRates(url: URL, display: String) throws -> [FXRate] {
        var result: [FXRate] = []
        try ReferenceTable.read(url: url, display: display) { table in
            let cur = try table.require("currency"), per = try table.require("period")
            let rate = try table.require("units_per_usd")
            return { record in
                let currency = record.field(cur).uppercased()
                guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw table.error("currency \"\(record.field(cur))\" is not a three-letter code", record, cur)
                }
                guard let period = Period(record.field(per).trimmingCharacters(in: .whitespaces)) else {
                    throw table.error("period \"\(record.field(per))\" is not YYYY or YYYY-MM", record, per)
                }
                guard let value = NumberParsing.decimal(record.field(rate)), value > 0 else {
                    throw table.error("units_per_usd \"\(record.field(rate))\" is not a positive number", record, rate)
                }
                result.append(FXRate(currency: currency, period: period, unitsPerUSD: value))
            }
        }
        return result
    }

    /// `code,kind,description_en,description_zh,elements,form,valid_from,valid_to,…` (see `CommodityCodeTable`).
    public static func loadCommodityCodes(url: URL, display: String) throws -> [CommodityRow] {
        var result: [CommodityRow] = []
        try ReferenceTable.read(url: url, display: display) { table in
            let parser = try CommodityCodeTable(header: table.header, nomenclature: nil)
            return { record in
                switch parser.row(record) {
                case .success(let row): result.append(row)
                case .failure(let rejected): throw Diagnostic(rejected.reason, at: rejected.location)
                }
            }
        }
        return result
    }

    /// `regime,issuer,announced,effective,suspended_from,suspended_until,elements,scope`.
    public static func loadExportControls(url: URL, display: String) throws -> [ExportControl] {
        var result: [ExportControl] = []
        try ReferenceTable.read(url: url, display: display) { table in
            let regime = try table.require("regime"), issuer = try table.require("issuer")
            let announced = try table.require("announced"), effective = try table.require("effective")
            let from = table.header.column(["suspended_from"]), until = table.header.column(["suspended_until"])
            let elements = try table.require("elements"), scope = table.header.column(["scope"])
            return { record in
                func date(_ i: Int?, _ name: String, required: Bool) throws -> String? {
                    let text = record.field(i).trimmingCharacters(in: .whitespaces)
                    if text.isEmpty && !required { return nil }
                    guard isISODate(text) else { throw table.error("\(name) \"\(text)\" is not a date YYYY-MM-DD", record, i ?? 0) }
                    return text
                }
                result.append(ExportControl(
                    regime: record.field(regime), issuer: record.field(issuer),
                    announced: try date(announced, "announced", required: true)!,
                    effective: try date(effective, "effective", required: true)!,
                    suspendedFrom: try date(from, "suspended_from", required: false),
                    suspendedUntil: try date(until, "suspended_until", required: false),
                    elements: record.field(elements).split(separator: "|").map { String($0) },
                    scope: record.field(scope)))
            }
        }
        return result
    }

    static func isISODate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let m = Int(parts[1]), let d = Int(parts[2]), Int(parts[0]) != nil else { return false }
        return (1...12).contains(m) && (1...31).contains(d)
    }
}

/// A small reference CSV: header, `#` comment lines, blank lines skipped, located errors.
struct ReferenceTable {
    let header: TableHeader

    static func read(url: URL, display: String,
                     _ makeRowHandler: (ReferenceTable) throws -> (TableRecord) throws -> Void) throws {
        let reader = try CSVReader(url: url, display: display, encoding: "utf-8")
        var headerRecord: CSVRecord?
        while let record = try reader.next() {
            if record.isBlank || record.fields[0].hasPrefix("#") { continue }
            headerRecord = record
            break
        }
        guard let headerRecord else { throw Diagnostic("empty table: no header row", at: SourceLocation(file: display, line: 1)) }
        let names = headerRecord.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let table = ReferenceTable(header: TableHeader(names: names, line: headerRecord.line, file: display))
        let handle = try makeRowHandler(table)
        while let record = try reader.next() {
            if record.isBlank || record.fields[0].hasPrefix("#") { continue }
            try handle(record)
        }
    }

    func require(_ name: String) throws -> Int { try header.require([name], field: name) }

    func error(_ message: String, _ record: TableRecord, _ column: Int) -> Diagnostic {
        Diagnostic(message, at: record.location(ofField: column, file: header.file))
    }
}
