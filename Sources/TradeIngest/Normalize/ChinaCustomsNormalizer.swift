import Foundation
import TradeCore
import TradeConfig

/// China customs monthly tables (docs/FORMATS.md §1) → `TradeRow`s, for any table container.
///
/// - Columns by header name: the definition's `columns` first, then the built-in Chinese
///   headers (`数据年月`, `商品编码`, `贸易伙伴名称`, `第一数量`, `第一计量单位`, `美元`/`人民币` …).
/// - Period: the `数据年月` column; without it `constants.period`, else a `YYYYMM` (or
///   `YYYY-MM`) in the file name.
/// - Currency from the header (`美元` USD, `人民币` CNY → USD with the FX table).
/// - Units: 千克/kg ×1, 吨/t ×1000, 克/g ×0.001; 个/件/pieces… keep the value, quantity NULL.
/// - Reporter `constants.reporter` (default CHN); flow from the file name (出口/export,
///   进口/import), else `constants.flow`.
/// - `options.sum_over` (header names or `trade_mode`/`region`): records that differ only in
///   those columns are summed into one row (its line is the group's first line); the others
///   are counted in `recordsMerged`, so records = rows + rejected + merged. A record that repeats
///   another in those columns too (or a file without them) is a rejected "duplicate figure".
/// - `definition.cumulative`: year-to-date figures are differenced per (code, partner) within
///   each year in month order; January stands as is; a fall is rejected ("revision?"), never clamped.
public struct ChinaCustomsNormalizer: TableNormalizer, RecordAccounting {
    /// Canonical field → header names, used after the definition's own `columns`.
    public static let defaultColumns: [String: [String]] = [
        "period": ["数据年月", "年月", "日期", "period"],
        "code": ["商品编码", "商品代码", "hs_code", "code"],
        "description": ["商品名称", "description"],
        "partner_code": ["贸易伙伴编码", "partner_code"],
        "partner": ["贸易伙伴名称", "贸易伙伴", "国别(地区)", "国家/地区", "partner"],
        "quantity": ["第一数量", "数量", "quantity"],
        "unit": ["第一计量单位", "计量单位", "unit"],
        "value_usd": ["美元", "美元值", "金额(美元)", "value_usd"],
        "value_cny": ["人民币", "人民币值", "人民币元", "金额(人民币)", "value_cny"],
        "value": ["value"],
        "trade_mode": ["贸易方式名称", "贸易方式编码", "贸易方式"],
        "region": ["注册地名称", "注册地编码", "注册地"],
    ]

    /// Unit text → kilograms per unit; nil factor = counted in pieces (no weight).
    public static let unitFactors: [String: Double?] = [
        "千克": 1, "公斤": 1, "kg": 1, "kilogram": 1, "kilograms": 1,
        "吨": 1000, "t": 1000, "tonne": 1000, "tonnes": 1000, "ton": 1000,
        "克": 0.001, "g": 0.001, "gram": 0.001, "grams": 0.001,
        "个": nil, "件": nil, "只": nil, "套": nil, "台": nil, "pieces": nil, "piece": nil, "pcs": nil, "u": nil,
    ]

    public private(set) var recordsMerged = 0

    private var file = RawFile(url: URL(fileURLWithPath: "/"), displayPath: "")
    private var reference = ReferenceData(countries: [])
    private var source = ""
    private var columns: [String: Int] = [:]
    private var names: [String] = []
    private var currency = "USD"
    private var fixedPeriod: Period?
    private var reporter = "CHN"
    private var flow = Flow.export
    private var merging = false
    /// `options.sum_over` as written.
    private var sumOver: [String] = []
    private var cumulative = false
    /// Breakdown columns not summed over: part of a merge group's identity.
    private var identityColumns: [Int] = []
    /// Breakdown columns summed over (`sum_over` columns this file has).
    private var summedColumns: [Int] = []
    /// Buffered rows (merging or cumulative), in first-seen order.
    private var groups: [GroupKey: Int] = [:]
    /// Line of each figure buffered: its group and its values in `summedColumns`. A record repeating
    /// one is a duplicate, never a part to add.
    private var figures: [FigureKey: Int] = [:]
    private var buffer: [ParsedRow] = []
    /// `columns` of the fields read on every row (no String hashing per row).
    private var periodColumn: Int?, codeColumn: Int?, partnerColumn: Int?, partnerCodeColumn: Int?
    private var quantityColumn: Int?, unitColumn: Int?, valueColumn: Int?
    /// Partner name → ISO3 (nil: unknown), the last unit's factor and the last period, shared by the
    /// copies of this value type.
    private let partnerCache = PartnerCache()

    final class PartnerCache {
        var names: [UTF8Key: String?] = [:]
        var lastName: String?
        var lastISO3: String?
        var lastUnit: String?
        var lastFactor: Double??
        var lastPeriodText: String?
        var lastPeriod: Period?
    }

    public init() {}

    struct GroupKey: Hashable {
        var period: Period, code: String, partner: String, weighed: Bool, extra: [String]
    }

    struct FigureKey: Hashable {
        var group: Int, breakdown: [String]
    }

    struct ParsedRow {
        var period: Period
        var code: String
        var partner: String
        /// In kilograms; nil when counted in pieces or not given.
        var quantityKg: Double?
        var weighed: Bool
        /// Values of breakdown columns that are not summed over.
        var extra: [String]
        /// In the file's currency.
        var value: Double
        var line: Int
        var record: TableRecord
    }

    public mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                               reference: ReferenceData) throws {
        self.file = file
        self.reference = reference
        source = definition.name
        names = header
        let table = TableHeader(names: header, line: headerLine, file: file.displayPath)
        for field in definition.columns.keys.sorted() where Self.defaultColumns[field] == nil {
            throw Diagnostic("unknown column field \"\(field)\" (expected one of: \(Self.defaultColumns.keys.sorted().joined(separator: ", ")))",
                             at: definition.location(of: "columns.\(field)"), source: definition.name)
        }
        func find(_ field: String) -> Int? {
            table.column((definition.columns[field] ?? []) + (Self.defaultColumns[field] ?? []))
        }
        for field in Self.defaultColumns.keys { if let i = find(field) { columns[field] = i } }
        func require(_ field: String) throws {
            guard columns[field] == nil else { return }
            _ = try table.require((definition.columns[field] ?? []) + (Self.defaultColumns[field] ?? []),
                                  field: field, source: source)
        }
        try require("code")
        if columns["partner"] == nil && columns["partner_code"] == nil { try require("partner") }
        try require("quantity")
        try require("unit")

        try chooseCurrency(header: header, headerLine: headerLine, definition: definition)
        try choosePeriod(headerLine: headerLine, definition: definition)
        try chooseReporterAndFlow(headerLine: headerLine, definition: definition, reference: reference)
        try chooseBreakdowns(table, definition: definition)
        cumulative = definition.cumulative
        (periodColumn, codeColumn, partnerColumn, partnerCodeColumn) =
            (columns["period"], columns["code"], columns["partner"], columns["partner_code"])
        (quantityColumn, unitColumn, valueColumn) = (columns["quantity"], columns["unit"], columns["value"])
    }

    /// The value column and its currency: the header says which (`美元` USD, `人民币` CNY), else
    /// `constants.currency` for a generic `value` column.
    private mutating func chooseCurrency(header: [String], headerLine: Int, definition: SourceDefinition) throws {
        if let i = columns["value_usd"] {
            columns["value"] = i; currency = "USD"
        } else if let i = columns["value_cny"] {
            columns["value"] = i; currency = "CNY"
        } else if columns["value"] != nil, let c = definition.constants["currency"] {
            currency = c.uppercased()
        } else {
            throw Diagnostic("no value column: expected \"美元\" (USD) or \"人民币\" (CNY); the header has: \(header.joined(separator: ", "))",
                             at: SourceLocation(file: file.displayPath, line: headerLine, column: 1), source: source)
        }
    }

    /// The month of a file with no 数据年月 column: `constants.period`, else the file name's YYYYMM.
    private mutating func choosePeriod(headerLine: Int, definition: SourceDefinition) throws {
        if columns["period"] == nil {
            if let text = definition.constants["period"] {
                guard let p = Period(text), p.month != nil else {
                    throw Diagnostic("constants.period \"\(text)\" is not a month YYYY-MM or YYYYMM",
                                     at: definition.location(of: "constants.period"), source: source)
                }
                fixedPeriod = p
            } else if let p = Self.period(inFileName: file.url.lastPathComponent) {
                fixedPeriod = p
            } else {
                throw Diagnostic("no 数据年月 column, no constants.period and no YYYYMM in the file name: cannot tell the month",
                                 at: SourceLocation(file: file.displayPath, line: headerLine, column: 1), source: source)
            }
        }
    }

    /// The reporter (`constants.reporter`, default CHN) and the flow (the file name's, else `constants.flow`).
    private mutating func chooseReporterAndFlow(headerLine: Int, definition: SourceDefinition,
                                                reference: ReferenceData) throws {
        if let r = definition.constants["reporter"] {
            guard let iso = reference.iso3(forCode: r) ?? reference.iso3(forName: r) else {
                throw Diagnostic("constants.reporter \"\(r)\" is not a known country", at: definition.location(of: "constants.reporter"),
                                 source: source)
            }
            reporter = iso
        }
        if let f = Self.flow(inFileName: file.url.lastPathComponent) {
            flow = f
        } else if let text = definition.constants["flow"] {
            guard let f = Flow(code: text) else {
                throw Diagnostic("constants.flow \"\(text)\" is not export, import, re-export or re-import",
                                 at: definition.location(of: "constants.flow"), source: source)
            }
            flow = f
        } else {
            throw Diagnostic("cannot tell the flow: the file name has no 出口/进口/export/import and the definition no constants.flow",
                             at: SourceLocation(file: file.displayPath, line: headerLine, column: 1), source: source)
        }
    }

    /// Breakdown columns (trade mode, registration region): summed over only when listed in
    /// options.sum_over; otherwise they stay part of a row's identity and rows are not merged.
    private mutating func chooseBreakdowns(_ table: TableHeader, definition: SourceDefinition) throws {
        var breakdown: [Int] = []
        for field in ["trade_mode", "region"] {
            for a in Self.defaultColumns[field]! + (definition.columns[field] ?? []) {
                if let i = table.column([a]), !breakdown.contains(i) { breakdown.append(i) }
            }
        }
        identityColumns = breakdown
        if let list = try definition.listOption("sum_over") {
            merging = true
            sumOver = list
            var summed = Set<Int>()
            for name in list {
                if name == "trade_mode" || name == "region" {
                    for a in Self.defaultColumns[name]! + (definition.columns[name] ?? []) {
                        if let i = table.column([a]) { summed.insert(i) }
                    }
                } else if let i = table.column([name]) {
                    summed.insert(i)
                    // The code and the name of the same breakdown go together.
                    for field in ["trade_mode", "region"] where Self.defaultColumns[field]!.contains(name) {
                        for a in Self.defaultColumns[field]! { if let j = table.column([a]) { summed.insert(j) } }
                    }
                }
                // A listed column the file does not have is fine: there is nothing to sum over.
            }
            identityColumns = breakdown.filter { !summed.contains($0) }
            summedColumns = summed.sorted()
        }
    }

    public mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        switch parse(record) {
        case .failure(let rejected):
            try emit(.rejected(rejected))
        case .success(let row):
            if !merging && !cumulative {
                try emit(convert(row))
                return
            }
            let key = GroupKey(period: row.period, code: row.code, partner: row.partner, weighed: row.weighed,
                               extra: row.extra)
            let group = groups[key] ?? buffer.count
            let figure = FigureKey(group: group, breakdown: summedColumns.map { record.field($0).trimmingWhitespace })
            if let first = figures[figure] {
                try emit(.rejected(reject(record, "value", duplicateReason(firstLine: first))))
                return
            }
            figures[figure] = row.line
            if group < buffer.count {
                buffer[group].value += row.value
                if let q = row.quantityKg { buffer[group].quantityKg = (buffer[group].quantityKg ?? 0) + q }
                recordsMerged += 1
            } else {
                groups[key] = group
                buffer.append(row)
            }
        }
    }

    /// Why a record repeating a buffered figure is refused: summing it would count the figure twice.
    private func duplicateReason(firstLine: Int) -> String {
        guard summedColumns.isEmpty else {
            let breakdown = summedColumns.map { names[$0] }.joined(separator: ", ")
            return "duplicate figure: same period, partner, hs_code and \(breakdown) as line \(firstLine) of this file"
        }
        let reason = "duplicate figure: same period, partner and hs_code as line \(firstLine) of this file"
        return merging ? reason + " (sum_over adds only records that differ in \(sumOver.joined(separator: ", ")); this file has no such column)"
                       : reason
    }

    public mutating func finish(emit: (RowOutcome) throws -> Void) throws {
        guard !buffer.isEmpty else { return }
        if !cumulative {
            for row in buffer { try emit(convert(row)) }
            buffer = []
            return
        }
        // Year-to-date → monthly, per series and year, in month order.
        let months = Set(buffer.map(\.period))
        struct SeriesKey: Hashable { var year: Int, code: String, partner: String, weighed: Bool, extra: [String] }
        var series: [SeriesKey: [Int]] = [:]
        var order: [SeriesKey] = []
        for (i, row) in buffer.enumerated() {
            let key = SeriesKey(year: row.period.year, code: row.code, partner: row.partner, weighed: row.weighed,
                                extra: row.extra)
            if series[key] == nil { order.append(key) }
            series[key, default: []].append(i)
        }
        var outcomes: [(Int, RowOutcome)] = []
        for key in order {
            let indexes = series[key]!.sorted { buffer[$0].period < buffer[$1].period }
            var previous: ParsedRow?
            for i in indexes {
                let row = buffer[i]
                defer { previous = row }
                let month = row.period.month ?? 1
                if month > 1 && !months.contains(Period(year: row.period.year, month: month - 1)) {
                    outcomes.append((i, .rejected(reject(row.record, "value",
                        "cumulative figure for \(row.period) cannot be differenced: this file has no \(Period(year: row.period.year, month: month - 1))"))))
                    continue
                }
                var monthly = row
                if let previous {
                    monthly.value = row.value - previous.value
                    if monthly.value < 0 {
                        outcomes.append((i, .rejected(reject(row.record, "value",
                            "cumulative figure fell from \(Self.format(previous.value)) to \(Self.format(row.value)): revision?"))))
                        continue
                    }
                    if let q = row.quantityKg {
                        let d = q - (previous.quantityKg ?? 0)
                        if d < 0 {
                            outcomes.append((i, .rejected(reject(row.record, "quantity",
                                "cumulative figure fell from \(Self.format(previous.quantityKg ?? 0)) to \(Self.format(q)) kg: revision?"))))
                            continue
                        }
                        monthly.quantityKg = d
                    }
                }
                outcomes.append((i, convert(monthly)))
            }
        }
        // Emit in file order so rows and rejects read like the file.
        for (_, outcome) in outcomes.sorted(by: { $0.0 < $1.0 }) { try emit(outcome) }
        buffer = []
    }

    // MARK: - One record

    private func parse(_ record: TableRecord) -> RowParse<ParsedRow> {
        // Period
        let period: Period
        if let fixedPeriod {
            period = fixedPeriod
        } else {
            let text = record.field(periodColumn).trimmingWhitespace
            // Rows come month by month: the last period text's answer is usually this row's.
            let cache = partnerCache
            if let last = cache.lastPeriodText, last == text, let p = cache.lastPeriod {
                period = p
            } else {
                guard let p = Self.parsePeriod(text) else {
                    return .failure(reject(record, "period", "impossible period \"\(text)\" in \(names[columns["period"]!]) (expected YYYYMM)"))
                }
                cache.lastPeriodText = text
                cache.lastPeriod = p
                period = p
            }
        }
        // Commodity code
        let codeText = record.field(codeColumn).trimmingWhitespace
        // ASCII digits only (for ASCII characters `isNumber` means 0-9), so bytes count characters.
        guard codeText.utf8.allSatisfy({ $0 &- 48 < 10 }), codeText.utf8.count == 8 || codeText.utf8.count == 10 else {
            return .failure(reject(record, "code", "commodity code \"\(codeText)\" is not 8 digits (or a 10-digit national line)"))
        }
        // Partner
        let partnerName = record.field(partnerColumn).trimmingWhitespace
        let partnerCode = record.field(partnerCodeColumn).trimmingWhitespace
        let partner: String
        if !partnerName.isEmpty {
            guard let iso = partnerISO3(partnerName) else {
                return .failure(reject(record, "partner", "unknown partner \"\(partnerName)\" (add it to reference/countries.csv aliases)"))
            }
            partner = iso
        } else if !partnerCode.isEmpty, let iso = reference.iso3(forCode: partnerCode) {
            partner = iso
        } else {
            return .failure(reject(record, columns["partner"] != nil ? "partner" : "partner_code",
                                   partnerCode.isEmpty ? "empty partner" : "unknown partner code \"\(partnerCode)\""))
        }
        // Quantity and unit
        let quantityText = record.field(quantityColumn).trimmingWhitespace
        let unitText = record.field(unitColumn).trimmingWhitespace
        var quantityKg: Double?
        var weighed = true
        if !quantityText.isEmpty {
            let q: Double
            switch NumberParsing.figure(quantityText, grouping: true) {
            case .value(let v): q = v
            case .flawed(let flaw): return .failure(reject(record, "quantity", flaw.reason("quantity", quantityText)))
            }
            guard let factor = unitFactor(unitText) else {
                return .failure(reject(record, "unit", unitText.isEmpty ? "quantity \(quantityText) has no unit"
                                                                           : "unknown unit \"\(unitText)\""))
            }
            if let factor {
                // 1e306 吨 is a finite quantity but not a finite number of kg.
                guard (q * factor).isFinite else {
                    return .failure(reject(record, "quantity", "quantity \"\(quantityText)\" \(unitText) is not a finite number of kg"))
                }
                quantityKg = q * factor
            } else {
                weighed = false
            }
        } else if let factor = unitFactor(unitText), factor == nil {
            weighed = false
        }
        // Value
        let valueText = record.field(valueColumn).trimmingWhitespace
        guard !valueText.isEmpty else { return .failure(reject(record, "value", "empty value")) }
        let value: Double
        switch NumberParsing.figure(valueText, grouping: true) {
        case .value(let v): value = v
        case .flawed(let flaw): return .failure(reject(record, "value", flaw.reason("value", valueText)))
        }
        return .success(ParsedRow(period: period, code: codeText, partner: partner, quantityKg: quantityKg,
                                  weighed: weighed, extra: identityColumns.map { record.field($0) }, value: value, line: record.line, record: record))
    }

    /// The canonical row, with the value converted to USD (or a reject when the FX table has no rate).
    private func convert(_ row: ParsedRow) -> RowOutcome {
        guard let rate = reference.unitsPerUSD(currency: currency, period: row.period) else {
            return .rejected(reject(row.record, "value",
                                    "no \(currency) per USD rate for \(row.period) (add it to reference/fx_rates.csv)"))
        }
        // Summed or converted figures can leave the Double range that each figure kept.
        guard (row.value / rate).isFinite else {
            return .rejected(reject(row.record, "value", "value in USD is not a finite number (summed or converted beyond the Double range)"))
        }
        guard row.quantityKg?.isFinite ?? true else {
            return .rejected(reject(row.record, "quantity", "quantity in kg is not a finite number (summed beyond the Double range)"))
        }
        return .trade(TradeRow(period: row.period, reporter: reporter, partner: row.partner, flow: flow, hsCode: row.code,
                               quantityKg: row.quantityKg, valueUSD: row.value / rate,
                               valuation: flow == .import ? .cif : .fob, rawLine: row.line))
    }

    /// `reference.iso3(forName:)`, remembered per name (a file names a few hundred partners at most).
    private func partnerISO3(_ name: String) -> String? {
        let cache = partnerCache
        if let last = cache.lastName, last == name { return cache.lastISO3 }
        let iso3: String?
        if let hit = cache.names[UTF8Key(string: name)] {
            iso3 = hit
        } else {
            iso3 = reference.iso3(forName: name)
            if cache.names.count < 10_000 { cache.names[UTF8Key(string: name)] = .some(iso3) }
        }
        cache.lastName = name
        cache.lastISO3 = iso3
        return iso3
    }

    /// `unitFactors[unit.lowercased()]` (outer nil: unknown unit), remembered for the last unit text.
    private func unitFactor(_ unit: String) -> Double?? {
        let cache = partnerCache
        if let last = cache.lastUnit, last == unit { return cache.lastFactor }
        let factor = Self.unitFactors[unit.lowercased()]
        cache.lastUnit = unit
        cache.lastFactor = factor
        return factor
    }

    private func reject(_ record: TableRecord, _ field: String, _ reason: String) -> RejectedRow {
        let index = columns[field]
        return RejectedRow(location: index.map { record.location(ofField: $0, file: file.displayPath) }
                                     ?? SourceLocation(file: file.displayPath, line: record.line),
                           columnName: index.map { names[$0] }, reason: reason, rawText: record.rawText)
    }

    // MARK: - Helpers

    /// `数据年月` as a month: `202401`, `2024-01`, `2024/01`, `2024年1月`, `2024年01月`; nil otherwise.
    public static func parsePeriod(_ text: String) -> Period? {
        // The usual cell, `202401`: six ASCII digits.
        var copy = text
        if text.utf8.count == 6, copy.withUTF8({ $0.allSatisfy { $0 &- 48 < 10 } }) {
            guard let p = Period(text), p.month != nil else { return nil }
            return p
        }
        var t = text.trimmingWhitespace
        if t.hasSuffix("月") { t.removeLast() }
        t = t.replacingOccurrences(of: "年", with: "-").replacingOccurrences(of: "/", with: "-")
        if t.count == 6, t.contains("-") {
            let parts = t.split(separator: "-")
            if parts.count == 2, parts[1].count == 1 { t = "\(parts[0])-0\(parts[1])" }
        }
        guard let p = Period(t), p.month != nil else { return nil }
        return p
    }

    /// A month named in a file name (`…-202401.csv`, `…_2024-01.csv`), nil if none or several differ.
    public static func period(inFileName name: String) -> Period? {
        let chars = Array(name)
        var found: [Period] = []
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber else { i += 1; continue }
            var j = i
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
            let run = String(chars[i..<j])
            if run.count == 6, let p = Period(run) {
                found.append(p)
            } else if run.count == 4, j + 2 < chars.count + 0, j < chars.count, chars[j] == "-" {
                var k = j + 1
                while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }
                if k - j - 1 == 2, let p = Period(run + "-" + String(chars[(j + 1)..<k])) { found.append(p); j = k }
            }
            i = j
        }
        guard let first = found.first, found.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// Flow named in a file name: 出口/export → export, 进口/import → import; nil if none or both.
    public static func flow(inFileName name: String) -> Flow? {
        let lower = name.lowercased()
        let isReExport = lower.contains("再出口") || lower.contains("re-export") || lower.contains("reexport")
        let isReImport = lower.contains("再进口") || lower.contains("re-import") || lower.contains("reimport")
        let isExport = lower.contains("出口") || lower.contains("export")
        let isImport = lower.contains("进口") || lower.contains("import")
        if isReExport && !isImport { return .reExport }
        if isReImport && !isExport { return .reImport }
        if isExport && !isImport { return .export }
        if isImport && !isExport { return .import }
        return nil
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

/// China customs CSV files: the CSV container with `ChinaCustomsNormalizer`.
public typealias ChinaCustomsCSVReader = CSVTableReader<ChinaCustomsNormalizer>

extension CSVTableReader where Normalizer == ChinaCustomsNormalizer {
    public init() { self.init { ChinaCustomsNormalizer() } }
}
