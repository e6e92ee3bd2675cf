import Foundation
import TradeCore
import TradeConfig

/// UN Comtrade v1 rows (bulk CSV or API JSON objects) → trade rows, by header name.
///
/// Choices (FORMATS.md §2):
/// - Only totals are loaded: a row with `partner2Code` ≠ 0, `customsCode` ≠ `C00` or
///   `motCode` ≠ 0 is a breakdown of a total in the same extract and is emitted as
///   `.rejected` (reason says so) so the file still balances without double counting.
///   When one of those columns is absent the row is taken as a total.
/// - Quantity: `netWgt` (kg); `-1`/empty is not available, and `0` flagged
///   `isNetWgtEstimated` is "not reported" → nil (not zero). Without a usable `netWgt`,
///   `qty` is used when `qtyUnitCode` is 8 (kg), with the same rules and `isQtyEstimated`.
/// - Value: imports and re-imports `cifvalue` (`.cif`), exports and re-exports `fobvalue`
///   (`.fob`); when that one is empty or 0, `primaryValue` with valuation `.unknown`
///   (the reporter's own basis, which the row does not name).
/// - Flows other than X, M, RX, RM, non-goods (`typeCode` ≠ C) and non-HS classifications
///   (SITC `S*`, BEC `B*`) are rejected with the reason.
public struct ComtradeNormalizer: TableNormalizer {
    /// The 47 columns of a Comtrade v1 extract, in the API's order.
    public static let columns: [String] = [
        "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
        "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
        "partner2ISO", "partner2Desc", "classificationCode", "classificationSearchCode", "isOriginalClassification",
        "cmdCode", "cmdDesc", "aggrLevel", "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc",
        "qtyUnitCode", "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
        "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated", "cifvalue",
        "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
    ]

    /// Columns without which a row cannot be normalized.
    public static let requiredColumns: [String] = [
        "freqCode", "period", "reporterCode", "flowCode", "partnerCode", "cmdCode", "netWgt", "primaryValue",
    ]

    private enum Column: String, CaseIterable {
        case typeCode, freqCode, refYear, period, reporterCode, reporterISO, flowCode, partnerCode, partnerISO
        case partner2Code, classificationCode, cmdCode, customsCode, motCode, qtyUnitCode, qty, isQtyEstimated
        case netWgt, isNetWgtEstimated, cifvalue, fobvalue, primaryValue
    }

    private var index: [Column: Int] = [:]
    private var file = RawFile(url: URL(fileURLWithPath: "/"), displayPath: "")
    private var reference = ReferenceData(countries: [])

    public init() {}

    public mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                               reference: ReferenceData) throws {
        self.file = file
        self.reference = reference
        var byName: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            if byName[key] == nil { byName[key] = i }
        }
        for column in Column.allCases {
            if let i = byName[column.rawValue.lowercased()] { index[column] = i }
        }
        for name in Self.requiredColumns where index[Column(rawValue: name)!] == nil {
            throw Diagnostic("required Comtrade column \(name) is missing from the header",
                             at: SourceLocation(file: file.displayPath, line: headerLine), source: definition.name)
        }
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        try emit(outcome(record))
    }

    private func field(_ column: Column, _ record: TableRecord) -> String {
        guard let i = index[column], i < record.fields.count else { return "" }
        return record.fields[i].trimmingCharacters(in: .whitespaces)
    }

    private func reject(_ record: TableRecord, _ reason: String, column: Column? = nil) -> RowOutcome {
        .rejected(RejectedRow(location: SourceLocation(file: file.displayPath, line: record.line),
                              columnName: column?.rawValue, reason: reason, rawText: record.rawText))
    }

    private func outcome(_ r: TableRecord) -> RowOutcome {
        let typeCode = field(.typeCode, r)
        if !typeCode.isEmpty && typeCode.uppercased() != "C" {
            return reject(r, "typeCode \(typeCode) is not goods (C)", column: .typeCode)
        }

        // Totals only.
        let partner2 = field(.partner2Code, r), customs = field(.customsCode, r), mot = field(.motCode, r)
        let isTotal = (partner2.isEmpty || Double(partner2) == 0) && (customs.isEmpty || customs.uppercased() == "C00")
            && (mot.isEmpty || Double(mot) == 0)
        if !isTotal {
            return reject(r, "breakdown row (customsCode \(customs.isEmpty ? "-" : customs), motCode \(mot.isEmpty ? "-" : mot), "
                + "partner2Code \(partner2.isEmpty ? "-" : partner2)) not a total: skipped to avoid double counting")
        }

        // Period.
        let freq = field(.freqCode, r).uppercased()
        let periodText = field(.period, r)
        let period: Period
        switch freq {
        case "A":
            let yearText = periodText.isEmpty ? field(.refYear, r) : String(periodText.prefix(4))
            guard yearText.count == 4, let p = Period(yearText) else {
                return reject(r, "annual period \"\(periodText)\" is not a year", column: .period)
            }
            period = p
        case "M":
            guard periodText.count == 6, let p = Period(periodText) else {
                return reject(r, "monthly period \"\(periodText)\" is not YYYYMM", column: .period)
            }
            period = p
        default:
            return reject(r, "freqCode \"\(freq)\" is neither A nor M", column: .freqCode)
        }

        // Flow.
        let flowCode = field(.flowCode, r).uppercased()
        let flow: Flow
        switch flowCode {
        case "X": flow = .export
        case "M": flow = .import
        case "RX": flow = .reExport
        case "RM": flow = .reImport
        default:
            return reject(r, "flowCode \"\(flowCode)\" is not X, M, RX or RM", column: .flowCode)
        }

        // Countries.
        guard let reporter = country(iso: field(.reporterISO, r), code: field(.reporterCode, r)) else {
            return reject(r, "reporter \(field(.reporterCode, r)) \(field(.reporterISO, r)) is not a known country",
                          column: .reporterCode)
        }
        guard let partner = country(iso: field(.partnerISO, r), code: field(.partnerCode, r)) else {
            return reject(r, "partner \(field(.partnerCode, r)) \(field(.partnerISO, r)) is not a known country",
                          column: .partnerCode)
        }

        // Commodity.
        let classification = field(.classificationCode, r).uppercased()
        if let first = classification.first, first != "H" {
            return reject(r, "classification \(classification) is not HS", column: .classificationCode)
        }
        let cmd = field(.cmdCode, r)
        guard [2, 4, 6].contains(cmd.count), cmd.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return reject(r, "cmdCode \"\(cmd)\" is not a 2-, 4- or 6-digit HS code", column: .cmdCode)
        }

        // Quantity.
        var quantity: Double?
        var estimated = false
        switch Self.kilograms(field(.netWgt, r), estimated: field(.isNetWgtEstimated, r)) {
        case .invalid(let text):
            return reject(r, "netWgt \"\(text)\" is not a weight", column: .netWgt)
        case .value(let kg, let est):
            (quantity, estimated) = (kg, est)
        case .missing:
            if Double(field(.qtyUnitCode, r)) == 8 {
                switch Self.kilograms(field(.qty, r), estimated: field(.isQtyEstimated, r)) {
                case .invalid(let text): return reject(r, "qty \"\(text)\" is not a weight", column: .qty)
                case .value(let kg, let est): (quantity, estimated) = (kg, est)
                case .missing: break
                }
            }
        }

        // Value.
        let specific: Column = (flow == .import || flow == .reImport) ? .cifvalue : .fobvalue
        var value: Double?
        var valuation = Valuation.unknown
        let specificText = field(specific, r)
        if !specificText.isEmpty {
            guard let v = Double(specificText) else {
                return reject(r, "\(specific.rawValue) \"\(specificText)\" is not a number", column: specific)
            }
            if v != 0 { (value, valuation) = (v, specific == .cifvalue ? .cif : .fob) }
        }
        if value == nil {
            let primaryText = field(.primaryValue, r)
            if !primaryText.isEmpty {
                guard let v = Double(primaryText) else {
                    return reject(r, "primaryValue \"\(primaryText)\" is not a number", column: .primaryValue)
                }
                value = v
            }
        }

        return .trade(TradeRow(period: period, reporter: reporter, partner: partner, flow: flow, hsCode: cmd,
                               hsEdition: classification.isEmpty ? nil : classification, quantityKg: quantity,
                               valueUSD: value, valuation: valuation, quantityEstimated: estimated, rawLine: r.line))
    }

    private func country(iso: String, code: String) -> String? {
        if !iso.isEmpty, let c = reference.iso3(forCode: iso) { return c }
        if !code.isEmpty, let c = reference.iso3(forComtradeCode: code) { return c }
        return nil
    }

    enum Kilograms: Equatable {
        case missing
        case value(Double, estimated: Bool)
        case invalid(String)
    }

    /// A weight field: empty or `-1` → missing; `0` flagged estimated → missing ("not reported").
    static func kilograms(_ text: String, estimated flag: String) -> Kilograms {
        guard !text.isEmpty else { return .missing }
        guard let v = Double(text) else { return .invalid(text) }
        let estimated = isTrue(flag)
        if v == -1 { return .missing }
        if v < 0 { return .invalid(text) }
        if v == 0 && estimated { return .missing }
        return .value(v, estimated: estimated)
    }

    static func isTrue(_ text: String) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes": return true
        default: return false
        }
    }
}
