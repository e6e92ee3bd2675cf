import Foundation
import TradeCore
import TradeConfig

/// UN Comtrade v1 rows (bulk CSV or API JSON objects) → trade rows, by header name.
///
/// Choices (docs/FORMATS.md §2):
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

    /// The columns read, in no particular order; `position[column.rawValue]` is its index in the row (-1: absent).
    private enum Column: Int, CaseIterable {
        case typeCode, freqCode, refYear, period, reporterCode, reporterISO, flowCode, partnerCode, partnerISO
        case partner2Code, classificationCode, cmdCode, customsCode, motCode, qtyUnitCode, qty, isQtyEstimated
        case netWgt, isNetWgtEstimated, cifvalue, fobvalue, primaryValue

        var name: String { String(describing: self) }
    }

    private var position = [Int](repeating: -1, count: Column.allCases.count)
    private var file = RawFile(url: URL(fileURLWithPath: "/"), displayPath: "")
    private var reference = ReferenceData(countries: [])
    /// Rows repeat a handful of periods, countries and classifications: each distinct field text
    /// is parsed or looked up once per file (keys are the field's bytes packed into an integer).
    private var periods: [UInt64: Period] = [:]
    private var countries: [UInt64: String?] = [:]
    private var editions: [UInt64: Edition] = [:]
    /// The last period and reporter looked up: extracts come in runs of one period and reporter,
    /// so most rows find theirs here without hashing.
    private var lastPeriod: (key: UInt64, period: Period)?
    private var lastReporter: (key: UInt64, iso3: String?)?
    private var lastEdition: (key: UInt64, edition: Edition)?

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
            position[column.rawValue] = byName[column.name.lowercased()] ?? -1
        }
        for name in Self.requiredColumns where byName[name.lowercased()] == nil {
            throw Diagnostic("required Comtrade column \(name) is missing from the header",
                             at: SourceLocation(file: file.displayPath, line: headerLine), source: definition.name)
        }
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        try record.withRowView { try normalize(row: $0, emit: emit) }
    }

    public mutating func normalize(row: TableRowView, emit: (RowOutcome) throws -> Void) throws {
        try emit(outcome(row))
    }

    /// A field's bytes, trimmed of whitespace; empty when the header lacks the column.
    private func field(_ column: Column, _ row: TableRowView) -> Bytes {
        Bytes.trimmed(row[position[column.rawValue]])
    }

    private func text(_ column: Column, _ row: TableRowView) -> String { field(column, row).string }

    private func reject(_ row: TableRowView, _ reason: String, column: Column? = nil) -> RowOutcome {
        let location = column.map { row.location(ofField: position[$0.rawValue], file: file.displayPath) }
            ?? SourceLocation(file: file.displayPath, line: row.line)
        return .rejected(RejectedRow(location: location, columnName: column?.name, reason: reason, rawText: row.rawText))
    }

    /// Why a row is not loaded: its rejected-row outcome.
    private struct Rejection: Error {
        var outcome: RowOutcome
    }

    private func rejection(_ row: TableRowView, _ reason: String, column: Column? = nil) -> Rejection {
        Rejection(outcome: reject(row, reason, column: column))
    }

    private mutating func outcome(_ r: TableRowView) -> RowOutcome {
        do throws(Rejection) {
            try checkGoodsTotal(r)
            let period = try period(r)
            let flow = try flow(r)
            let (reporter, partner) = try countries(r)
            let (classification, code) = try commodity(r)
            let (quantity, estimated) = try quantity(r)
            let (value, valuation) = try value(r, flow: flow)
            return .trade(TradeRow(period: period, reporter: reporter, partner: partner, flow: flow, hsCode: code,
                                   hsEdition: classification.isEmpty ? nil : classification, quantityKg: quantity,
                                   valueUSD: value, valuation: valuation, quantityEstimated: estimated, rawLine: r.line))
        } catch {
            return error.outcome
        }
    }

    /// Goods (typeCode C) and totals only: a breakdown row would count its figures twice.
    private func checkGoodsTotal(_ r: TableRowView) throws(Rejection) {
        let typeCode = field(.typeCode, r)
        if !typeCode.isEmpty && !typeCode.equalsUppercased("C") {
            throw rejection(r, "typeCode \(typeCode.string) is not goods (C)", column: .typeCode)
        }
        let partner2 = field(.partner2Code, r), customs = field(.customsCode, r), mot = field(.motCode, r)
        let isTotal = (partner2.isEmpty || partner2.figure == .value(0)) && (customs.isEmpty || customs.equalsUppercased("C00"))
            && (mot.isEmpty || mot.figure == .value(0))
        if !isTotal {
            let (customs, mot, partner2) = (customs.string, mot.string, partner2.string)
            throw rejection(r, "breakdown row (customsCode \(customs.isEmpty ? "-" : customs), motCode \(mot.isEmpty ? "-" : mot), "
                + "partner2Code \(partner2.isEmpty ? "-" : partner2)) not a total: skipped to avoid double counting")
        }
    }

    /// The period: the year of an annual row (the whole field), the month of a monthly one.
    private mutating func period(_ r: TableRowView) throws(Rejection) -> Period {
        let freq = field(.freqCode, r)
        let periodField = field(.period, r)
        if freq.equalsUppercased("A") {
            // The whole field is the year: `2024-13` or `202401` on an annual row is no year.
            let yearText = periodField.isEmpty ? text(.refYear, r) : periodField.string
            guard yearText.utf8.count == 4, yearText.utf8.allSatisfy({ $0 &- 48 < 10 }), let p = Period(yearText) else {
                throw rejection(r, "annual period \"\(yearText)\" is not a year", column: periodField.isEmpty ? .refYear : .period)
            }
            return p
        } else if freq.equalsUppercased("M") {
            guard let p = monthlyPeriod(periodField) else {
                throw rejection(r, "monthly period \"\(periodField.string)\" is not YYYYMM", column: .period)
            }
            return p
        }
        throw rejection(r, "freqCode \"\(freq.string.uppercased())\" is neither A nor M", column: .freqCode)
    }

    private func flow(_ r: TableRowView) throws(Rejection) -> Flow {
        let flowCode = field(.flowCode, r)
        if flowCode.equalsUppercased("X") { return .export }
        if flowCode.equalsUppercased("M") { return .import }
        if flowCode.equalsUppercased("RX") { return .reExport }
        if flowCode.equalsUppercased("RM") { return .reImport }
        throw rejection(r, "flowCode \"\(flowCode.string.uppercased())\" is not X, M, RX or RM", column: .flowCode)
    }

    /// Reporter and partner as ISO3.
    private mutating func countries(_ r: TableRowView) throws(Rejection) -> (reporter: String, partner: String) {
        guard let reporter = country(iso: field(.reporterISO, r), code: field(.reporterCode, r), isReporter: true) else {
            throw rejection(r, "reporter \(text(.reporterCode, r)) \(text(.reporterISO, r)) is not a known country",
                            column: .reporterCode)
        }
        guard let partner = country(iso: field(.partnerISO, r), code: field(.partnerCode, r), isReporter: false) else {
            throw rejection(r, "partner \(text(.partnerCode, r)) \(text(.partnerISO, r)) is not a known country",
                            column: .partnerCode)
        }
        return (reporter, partner)
    }

    /// The HS edition and the 2-, 4- or 6-digit code.
    private mutating func commodity(_ r: TableRowView) throws(Rejection) -> (classification: String, code: String) {
        let (classification, isHS) = edition(field(.classificationCode, r))
        if !isHS {
            throw rejection(r, "classification \(classification) is not HS", column: .classificationCode)
        }
        let cmd = field(.cmdCode, r)
        guard [2, 4, 6].contains(cmd.count), cmd.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw rejection(r, "cmdCode \"\(cmd.string)\" is not a 2-, 4- or 6-digit HS code", column: .cmdCode)
        }
        return (classification, cmd.string)
    }

    /// Kilograms: the net weight, else the quantity when its unit is kg (code 8); and whether estimated.
    private func quantity(_ r: TableRowView) throws(Rejection) -> (kg: Double?, estimated: Bool) {
        switch Self.kilograms(field(.netWgt, r), .netWgt, estimated: field(.isNetWgtEstimated, r)) {
        case .invalid(let reason):
            throw rejection(r, reason, column: .netWgt)
        case .value(let kg, let est):
            return (kg, est)
        case .missing:
            if field(.qtyUnitCode, r).figure == .value(8) {
                switch Self.kilograms(field(.qty, r), .qty, estimated: field(.isQtyEstimated, r)) {
                case .invalid(let reason): throw rejection(r, reason, column: .qty)
                case .value(let kg, let est): return (kg, est)
                case .missing: break
                }
            }
            return (nil, false)
        }
    }

    /// USD: the flow's own valuation (CIF for imports, FOB for exports) when not zero, else primaryValue.
    private func value(_ r: TableRowView, flow: Flow) throws(Rejection) -> (usd: Double?, valuation: Valuation) {
        let specific: Column = (flow == .import || flow == .reImport) ? .cifvalue : .fobvalue
        var value: Double?
        var valuation = Valuation.unknown
        let specificText = field(specific, r)
        if !specificText.isEmpty {
            switch specificText.figure {
            case .value(let v): if v != 0 { (value, valuation) = (v, specific == .cifvalue ? .cif : .fob) }
            case .flawed(let flaw): throw rejection(r, flaw.reason(specific.name, specificText.string), column: specific)
            }
        }
        if value == nil {
            let primaryText = field(.primaryValue, r)
            if !primaryText.isEmpty {
                switch primaryText.figure {
                case .value(let v): value = v
                case .flawed(let flaw): throw rejection(r, flaw.reason("primaryValue", primaryText.string), column: .primaryValue)
                }
            }
        }
        return (value, valuation)
    }

    /// `YYYYMM`, parsed once per distinct text.
    private mutating func monthlyPeriod(_ text: Bytes) -> Period? {
        guard let key = text.packed else {
            let s = text.string
            return s.count == 6 ? Period(s) : nil
        }
        if let last = lastPeriod, last.key == key { return last.period }
        if let p = periods[key] { lastPeriod = (key, p); return p }
        let s = text.string
        guard s.count == 6, let p = Period(s) else { return nil }
        periods[key] = p
        lastPeriod = (key, p)
        return p
    }

    /// A classification as loaded: upper-cased (`H5`), and whether it is an HS edition (empty, or
    /// its first character is `H`).
    private typealias Edition = (text: String, isHS: Bool)

    /// The classification, decoded and judged once per distinct text (and remembered for the next row).
    private mutating func edition(_ text: Bytes) -> Edition {
        guard let key = text.packed else { return Self.edition(text.string) }
        if let last = lastEdition, last.key == key { return last.edition }
        let e = editions[key] ?? Self.edition(text.string)
        editions[key] = e
        lastEdition = (key, e)
        return e
    }

    private static func edition(_ text: String) -> Edition {
        let upper = text.uppercased()
        return (upper, upper.first.map { $0 == "H" } ?? true)
    }

    /// ISO3 of a row's country: by its ISO code, else by its Comtrade code; looked up once per distinct pair
    /// (and a row's reporter is usually the previous row's).
    private mutating func country(iso: Bytes, code: Bytes, isReporter: Bool) -> String? {
        guard iso.count <= 3, code.count <= 3, let isoKey = iso.packed, let codeKey = code.packed else {
            return country(iso: iso.string, code: code.string)
        }
        let key = isoKey << 32 | codeKey
        if isReporter, let last = lastReporter, last.key == key { return last.iso3 }
        let c: String?
        if let known = countries[key] {
            c = known
        } else {
            c = country(iso: iso.string, code: code.string)
            countries[key] = c
        }
        if isReporter { lastReporter = (key, c) }
        return c
    }

    private func country(iso: String, code: String) -> String? {
        if !iso.isEmpty, let c = reference.iso3(forCode: iso) { return c }
        if !code.isEmpty, let c = reference.iso3(forComtradeCode: code) { return c }
        return nil
    }

    enum Kilograms: Equatable {
        case missing
        case value(Double, estimated: Bool)
        /// The rejection reason.
        case invalid(String)
    }

    /// A weight field: empty or `-1` → missing; `0` flagged estimated → missing ("not reported");
    /// otherwise a figure, or `.invalid` with the reason.
    private static func kilograms(_ text: Bytes, _ column: Column, estimated flag: Bytes) -> Kilograms {
        guard !text.isEmpty else { return .missing }
        let estimated = isTrue(flag)
        switch text.figure {
        case .flawed(.negative(-1)): return .missing
        case .value(0) where estimated: return .missing
        case .value(let v): return .value(v, estimated: estimated)
        case .flawed(let flaw): return .invalid(flaw.reason(column.name, text.string))
        }
    }

    fileprivate static func isTrue(_ flag: Bytes) -> Bool {
        flag.equalsLowercased("true") || flag.equalsLowercased("1") || flag.equalsLowercased("yes")
    }
}

/// A field's bytes, borrowed from the row being normalized: compared and parsed without a String.
private struct Bytes {
    let buffer: UnsafeBufferPointer<UInt8>

    var isEmpty: Bool { buffer.isEmpty }
    var count: Int { buffer.count }
    var string: String { String(decoding: buffer, as: UTF8.self) }

    func allSatisfy(_ predicate: (UInt8) -> Bool) -> Bool { buffer.allSatisfy(predicate) }

    /// `bytes` without leading and trailing whitespace, as `trimmingCharacters(in: .whitespaces)`.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bytes {
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        var lo = 0, hi = bytes.count
        while lo < hi, isBlank(bytes[lo]) { lo += 1 }
        while hi > lo, isBlank(bytes[hi - 1]) { hi -= 1 }
        if lo < hi, bytes[lo] >= 0x80 || bytes[hi - 1] >= 0x80 {
            // Non-ASCII at an end: it may be Unicode white space (U+00A0, U+3000, …).
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[lo..<hi]), as: UTF8.self)
            let scalars = text.unicodeScalars
            var start = scalars.startIndex, end = scalars.endIndex
            while start < end, CharacterSet.whitespaces.contains(scalars[start]) { start = scalars.index(after: start) }
            while end > start, CharacterSet.whitespaces.contains(scalars[scalars.index(before: end)]) {
                end = scalars.index(before: end)
            }
            let utf8 = text.utf8
            if utf8.count == hi - lo { // valid UTF-8: offsets match the bytes
                (lo, hi) = (lo + utf8.distance(from: utf8.startIndex, to: start),
                            lo + utf8.distance(from: utf8.startIndex, to: end))
            }
        }
        return Bytes(buffer: UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
    }

    /// Equal to `upper` (ASCII upper case) ignoring ASCII case.
    func equalsUppercased(_ upper: StaticString) -> Bool {
        guard count == upper.utf8CodeUnitCount else { return false }
        let u = upper.utf8Start
        for i in 0..<count {
            var b = buffer[i]
            if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { b -= 32 }
            if b != u[i] { return false }
        }
        return true
    }

    /// Equal to `lower` (ASCII lower case) ignoring ASCII case.
    func equalsLowercased(_ lower: StaticString) -> Bool {
        guard count == lower.utf8CodeUnitCount else { return false }
        let l = lower.utf8Start
        for i in 0..<count {
            var b = buffer[i]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b += 32 }
            if b != l[i] { return false }
        }
        return true
    }

    /// Up to 7 bytes and the count as one integer: a dictionary key for short texts; nil when longer.
    var packed: UInt64? {
        guard count <= 7 else { return nil }
        var key: UInt64 = 0
        for b in buffer { key = key << 8 | UInt64(b) }
        return key << 8 | UInt64(count)
    }

    /// The field under the number grammar, without thousands groups (Comtrade writes none).
    var figure: NumberParsing.Figure { NumberParsing.figure(buffer, grouping: false) }
}
