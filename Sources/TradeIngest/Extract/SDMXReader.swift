import Foundation
import TradeCore
import TradeConfig

/// SDMX-ML 2.1 data messages, generic or structure-specific (also the time-series and
/// flat variants), streamed through `XMLStreamParser`.
///
/// Options (`options:` in the source definition):
/// - `kind`: `observations` (default) — every `Obs` becomes a `SeriesObservation`;
///   `trade` — every `Obs` becomes (part of) a `TradeRow`, see `SDMXTradeMapping`.
/// - `dataset`: dataset id to store; default the header's `DataSetID`, else the
///   `DataSet`'s `structureRef`, else the header `Structure`'s `structureID`.
/// - `series_key`: list of dimension ids forming the series key, in order. Default: the
///   generic `SeriesKey` values, or the structure-specific `Series` attributes in document
///   order minus well-known SDMX attributes (`UNIT_MULT`, `TIME_FORMAT`, `DECIMALS`, …).
/// - `time`: time dimension id (default `TIME_PERIOD`).
public struct SDMXReader: SourceReader {
    public init() {}

    public func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                     emit: (RowOutcome) throws -> Void) throws {
        let kind = definition.options["kind"]?.string ?? "observations"
        let trade: SDMXTradeMapping?
        switch kind {
        case "observations": trade = nil
        case "trade": trade = try SDMXTradeMapping(definition: definition)
        default:
            throw Diagnostic("sdmx option kind must be trade or observations, not \"\(kind)\"",
                             at: definition.location(of: "kind"), source: definition.name)
        }
        try withoutActuallyEscaping(emit) { emit in
            let handler = try SDMXHandler(file: file, definition: definition, reference: reference,
                                          trade: trade, emit: emit)
            try XMLStreamParser.parse(fileAt: file.url, displayPath: file.displayPath, handler: handler)
            try handler.finish()
        }
    }
}

/// How a trade-shaped SDMX dataset (Eurostat Comext) maps onto `TradeRow`.
///
/// Options: `reporter`, `partner`, `product`, `flow`, `unit` (dimension ids; defaults
/// `reporter`, `partner`, `product`, `flow`, `indicators`), `flow_codes` (code → flow,
/// default `"1": import`, `"2": export`), `unit_scales` (unit code → `{measure:
/// quantity_kg|value, factor: N, currency: EUR}`; factor defaults to 1, currency to USD).
/// Values in another currency are converted with the reference FX table for the period;
/// an observation without a rate is rejected. The quantity and value observations of one
/// (reporter, partner, product, flow, period) are merged into one row when they are close
/// in the file (Comext orders the unit dimension last, so they are adjacent).
public struct SDMXTradeMapping: Sendable {
    public enum Measure: String, Sendable { case quantityKg = "quantity_kg", value }
    public struct Scale: Sendable {
        public var measure: Measure
        public var factor: Double
        public var currency: String
    }

    public var reporter = "reporter"
    public var partner = "partner"
    public var product = "product"
    public var flow = "flow"
    public var unit = "indicators"
    public var flowCodes: [String: Flow] = ["1": .import, "2": .export]
    public var unitScales: [String: Scale] = [:]
    /// Unmatched halves held back before they are emitted unmerged (bounds memory).
    public var maxPending = 100_000

    public init(definition: SourceDefinition) throws {
        let options = definition.options
        func diagnostic(_ message: String, _ value: LocatedValue) -> Diagnostic {
            Diagnostic(message, at: value.location, source: definition.name)
        }
        for (key, path) in [("reporter", \SDMXTradeMapping.reporter), ("partner", \.partner), ("product", \.product),
                            ("flow", \.flow), ("unit", \.unit)] {
            guard let v = options[key] else { continue }
            guard let s = v.string, !s.isEmpty else { throw diagnostic("sdmx option \(key) must be a dimension id", v) }
            self[keyPath: path] = s
        }
        if let v = options["flow_codes"] {
            guard let map = v.map else { throw diagnostic("flow_codes must be a map of code: flow", v) }
            flowCodes = [:]
            for (code, item) in map {
                guard let text = item.string, let flow = Flow(code: text) else {
                    throw diagnostic("flow_codes \(code): expected export, import, re-export or re-import", item)
                }
                flowCodes[code] = flow
            }
        }
        guard let scales = options["unit_scales"] else {
            throw Diagnostic("sdmx kind trade needs unit_scales (unit code → measure, factor, currency)",
                             at: definition.location(of: "options"), source: definition.name)
        }
        guard let map = scales.map else { throw diagnostic("unit_scales must be a map", scales) }
        for (code, item) in map {
            guard let m = item.map, let measureText = m["measure"]?.string, let measure = Measure(rawValue: measureText) else {
                throw diagnostic("unit_scales \(code): measure must be quantity_kg or value", item)
            }
            var factor = 1.0
            if let f = m["factor"] {
                guard let s = f.string, let d = Double(s), d > 0 else {
                    throw diagnostic("unit_scales \(code): factor must be a positive number", f)
                }
                factor = d
            }
            let currency = (m["currency"]?.string ?? "USD").uppercased()
            unitScales[code] = Scale(measure: measure, factor: factor, currency: currency)
        }
    }
}

/// SAX state machine over one SDMX message.
final class SDMXHandler: XMLStreamHandler {
    /// Series-level attributes that are SDMX attributes, not dimensions (left out of default series keys).
    static let wellKnownAttributes: Set<String> = [
        "TIME_FORMAT", "UNIT_MULT", "DECIMALS", "TITLE", "TITLE_COMPL", "COLLECTION", "SOURCE_AGENCY",
        "COMPILATION", "BREAKS", "COVERAGE", "UNIT_INDEX_BASE", "BASE_PER", "OBS_STATUS", "OBS_CONF",
        "OBS_PRE_BREAK", "OBS_COM", "TITLE_GRP", "PUBL_ECB", "PUBL_MU", "PUBL_PUBLIC",
    ]

    let file: RawFile
    let definition: SourceDefinition
    let reference: ReferenceData
    let trade: SDMXTradeMapping?
    let emit: (RowOutcome) throws -> Void
    let timeDimension: String
    let explicitKey: [String]?
    let datasetOption: String?

    private var inHeader = false
    private var headerDataSetID: String?
    private var headerStructureID: String?
    private var capturing = false
    private var text: [UInt8] = []
    private var dataset: String?

    private var inSeries = false
    private var inSeriesKey = false
    private var inObsKey = false
    private var inAttributes = false
    private var seriesDims: [(String, String)] = []
    private var seriesKeyText = ""
    private var seriesLookup: [String: String] = [:]

    private var inObs = false
    private var obsLine = 0
    private var obsTime: String?
    private var obsValue: String?
    private var obsStatus: String?
    private var obsDims: [(String, String)] = []

    private var pending: [SDMXPendingKey: SDMXPendingRow] = [:]

    init(file: RawFile, definition: SourceDefinition, reference: ReferenceData, trade: SDMXTradeMapping?,
         emit: @escaping (RowOutcome) throws -> Void) throws {
        self.file = file
        self.definition = definition
        self.reference = reference
        self.trade = trade
        self.emit = emit
        timeDimension = definition.options["time"]?.string ?? "TIME_PERIOD"
        datasetOption = definition.options["dataset"]?.string
        if let v = definition.options["series_key"] {
            guard let list = v.list else {
                throw Diagnostic("series_key must be a list of dimension ids", at: v.location, source: definition.name)
            }
            explicitKey = try list.map {
                guard let s = $0.string else {
                    throw Diagnostic("series_key entries must be dimension ids", at: $0.location, source: definition.name)
                }
                return s
            }
        } else {
            explicitKey = nil
        }
    }

    // MARK: events

    func startElement(localName: String, prefix: String?, attributes: [XMLAttribute], line: Int) throws {
        switch localName {
        case "Header":
            inHeader = true
        case "DataSetID" where inHeader:
            capturing = true
            text.removeAll(keepingCapacity: true)
        case "Structure" where inHeader:
            if headerStructureID == nil { headerStructureID = attributes.value("structureID") }
        case "DataSet":
            dataset = datasetOption ?? headerDataSetID ?? attributes.value("structureRef") ?? headerStructureID ?? "unknown"
        case "Series":
            inSeries = true
            seriesDims = attributes.map { ($0.localName, $0.value) }
        case "SeriesKey":
            inSeriesKey = true
            seriesDims = []
        case "ObsKey":
            inObsKey = true
        case "Attributes":
            inAttributes = true
        case "Value":
            guard let id = attributes.value("id"), let value = attributes.value("value") else { break }
            if inSeriesKey { seriesDims.append((id, value)) }
            else if inObsKey { obsDims.append((id, value)) }
            else if inAttributes && inObs && id == "OBS_STATUS" { obsStatus = value }
        case "Obs":
            if !inSeries { seriesDims = []; seriesKeyText = ""; seriesLookup = [:]; resolution = nil }
            inObs = true
            obsLine = line
            obsTime = nil
            obsValue = nil
            obsStatus = nil
            obsDims = []
            for a in attributes {
                switch a.localName {
                case timeDimension: obsTime = a.value
                case "OBS_VALUE": obsValue = a.value
                case "OBS_STATUS": obsStatus = a.value
                default: obsDims.append((a.localName, a.value))
                }
            }
        case "ObsDimension" where inObs:
            obsTime = attributes.value("value")
        case "ObsValue" where inObs:
            obsValue = attributes.value("value")
        default:
            break
        }
        if localName == "Series" { seriesReady() }
    }

    func endElement(localName: String, prefix: String?, line: Int) throws {
        switch localName {
        case "Header": inHeader = false
        case "DataSetID" where capturing:
            capturing = false
            let id = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { headerDataSetID = id }
        case "SeriesKey":
            inSeriesKey = false
            seriesReady()
        case "ObsKey": inObsKey = false
        case "Attributes": inAttributes = false
        case "Obs":
            inObs = false
            try observation()
        case "Series":
            inSeries = false
            seriesDims = []
            seriesLookup = [:]
            seriesKeyText = ""
        case "DataSet":
            try flushPending()
        default: break
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if capturing { text.append(contentsOf: bytes) }
    }

    func finish() throws {
        try flushPending()
    }

    // MARK: series and observations

    private func key(of dims: [(String, String)]) -> String {
        if let explicitKey {
            let lookup = Dictionary(dims, uniquingKeysWith: { first, _ in first })
            return explicitKey.map { lookup[$0] ?? "" }.joined(separator: ".")
        }
        return dims.filter { !Self.wellKnownAttributes.contains($0.0.uppercased()) }.map(\.1).joined(separator: ".")
    }

    private func seriesReady() {
        resolution = nil
        seriesKeyText = key(of: seriesDims)
        seriesLookup = Dictionary(seriesDims, uniquingKeysWith: { first, _ in first })
    }

    private func rawText() -> String {
        var parts = seriesDims.map { "\($0.0)=\($0.1)" } + obsDims.map { "\($0.0)=\($0.1)" }
        parts.append("\(timeDimension)=\(obsTime ?? "")")
        parts.append("OBS_VALUE=\(obsValue ?? "")")
        if let obsStatus { parts.append("OBS_STATUS=\(obsStatus)") }
        return parts.joined(separator: " ")
    }

    private func reject(_ reason: String, column: String? = nil) throws {
        try emit(.rejected(RejectedRow(location: SourceLocation(file: file.displayPath, line: obsLine),
                                       columnName: column, reason: reason, rawText: rawText())))
    }

    private func observation() throws {
        guard let trade else {
            let seriesKey = inSeries ? seriesKeyText : key(of: obsDims)
            let valueText = trimmed(obsValue ?? "")
            var value: Double?
            if !valueText.isEmpty && valueText != "NaN" && valueText != ":" {
                guard let v = Double(valueText) else {
                    return try reject("OBS_VALUE \"\(valueText)\" is not a number", column: "OBS_VALUE")
                }
                value = v
            }
            guard let time = obsTime, !time.isEmpty else {
                return try reject("observation has no \(timeDimension)", column: timeDimension)
            }
            try emit(.observation(SeriesObservation(dataset: dataset ?? datasetOption ?? "unknown", seriesKey: seriesKey,
                                                    period: time, value: value, status: obsStatus, rawLine: obsLine)))
            return
        }
        try tradeObservation(trade)
    }

    private func dimension(_ id: String) -> String? {
        if let v = obsDims.first(where: { $0.0 == id })?.1 { return v }
        return seriesLookup[id]
    }

    /// Eurostat codes that are not ISO 3166 alpha-2.
    static let eurostatCountryCodes = ["EL": "GRC", "UK": "GBR", "WORLD": "WLD"]

    private func country(_ code: String) -> String? {
        let c = code.trimmingCharacters(in: .whitespaces).uppercased()
        return Self.eurostatCountryCodes[c] ?? reference.iso3(forCode: c)
    }

    /// The series-level part of a trade observation, resolved once per series.
    private enum Resolution {
        case ok(reporter: String, partner: String, product: String, flow: Flow, scale: SDMXTradeMapping.Scale)
        case rejected(reason: String, column: String)
    }

    private var resolution: Resolution?
    private var countryCache: [String: String] = [:]
    private var periodCache: [String: Period] = [:]

    private func cachedCountry(_ code: String) -> String? {
        if let hit = countryCache[code] { return hit.isEmpty ? nil : hit }
        let iso3 = country(code)
        if countryCache.count < 10_000 { countryCache[code] = iso3 ?? "" }
        return iso3
    }

    private func resolve(_ m: SDMXTradeMapping) -> Resolution {
        guard let reporterCode = dimension(m.reporter) else { return .rejected(reason: "no \(m.reporter) dimension", column: m.reporter) }
        guard let reporter = cachedCountry(reporterCode) else {
            return .rejected(reason: "reporter \(reporterCode) is not a known country", column: m.reporter)
        }
        guard let partnerCode = dimension(m.partner) else { return .rejected(reason: "no \(m.partner) dimension", column: m.partner) }
        guard let partner = cachedCountry(partnerCode) else {
            return .rejected(reason: "partner \(partnerCode) is not a known country", column: m.partner)
        }
        guard let product = dimension(m.product), !product.isEmpty, product.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return .rejected(reason: "product \"\(dimension(m.product) ?? "")\" is not a numeric commodity code", column: m.product)
        }
        let flowCode = dimension(m.flow) ?? ""
        guard let flow = m.flowCodes[flowCode] else {
            return .rejected(reason: "flow \"\(flowCode)\" is not in flow_codes", column: m.flow)
        }
        let unitCode = dimension(m.unit) ?? ""
        guard let scale = m.unitScales[unitCode] else {
            return .rejected(reason: "unit \"\(unitCode)\" is not in unit_scales", column: m.unit)
        }
        return .ok(reporter: reporter, partner: partner, product: product, flow: flow, scale: scale)
    }

    private func period(_ text: String) -> Period? {
        if let hit = periodCache[text] { return hit }
        guard let p = Period(text) ?? Period(text.replacingOccurrences(of: "M", with: "-")) else { return nil }
        if periodCache.count < 10_000 { periodCache[text] = p }
        return p
    }

    private func tradeObservation(_ m: SDMXTradeMapping) throws {
        let resolved: Resolution
        if obsDims.isEmpty, let cached = resolution {
            resolved = cached
        } else {
            resolved = resolve(m)
            if obsDims.isEmpty { resolution = resolved }
        }
        guard case .ok(let reporter, let partner, let product, let flow, let scale) = resolved else {
            if case .rejected(let reason, let column) = resolved { try reject(reason, column: column) }
            return
        }
        let timeText = obsTime ?? ""
        guard let period = period(timeText) else {
            return try reject("period \"\(timeText)\" is not a month or a year", column: timeDimension)
        }
        let valueText = trimmed(obsValue ?? "")
        guard !valueText.isEmpty, valueText != "NaN", valueText != ":" else {
            return try reject("observation has no value", column: "OBS_VALUE")
        }
        guard let raw = Double(valueText) else {
            return try reject("OBS_VALUE \"\(valueText)\" is not a number", column: "OBS_VALUE")
        }
        var amount = raw * scale.factor
        if scale.measure == .value, scale.currency != "USD" {
            guard let rate = reference.unitsPerUSD(currency: scale.currency, period: period), rate > 0 else {
                return try reject("no \(scale.currency)/USD rate for \(period) in the reference FX table", column: "OBS_VALUE")
            }
            amount /= rate
        }
        let key = SDMXPendingKey(reporter: reporter, partner: partner, product: product, flow: flow, period: period)
        var row = pending.removeValue(forKey: key) ?? SDMXPendingRow(line: obsLine)
        let duplicate = scale.measure == .quantityKg ? row.quantity != nil : row.value != nil
        if duplicate {
            try emitRow(key, row)
            row = SDMXPendingRow(line: obsLine)
        }
        switch scale.measure {
        case .quantityKg:
            row.quantity = amount
            row.estimated = obsStatus == "E" || obsStatus == "e"
        case .value:
            row.value = amount
        }
        if row.quantity != nil && row.value != nil {
            try emitRow(key, row)
        } else {
            pending[key] = row
            if pending.count > m.maxPending { try flushPending() }
        }
    }

    private func emitRow(_ key: SDMXPendingKey, _ row: SDMXPendingRow) throws {
        let valuation: Valuation = switch key.flow {
        case .import, .reImport: .cif
        case .export, .reExport: .fob
        }
        try emit(.trade(TradeRow(period: key.period, reporter: key.reporter, partner: key.partner, flow: key.flow,
                                 hsCode: key.product, quantityKg: row.quantity, valueUSD: row.value,
                                 valuation: row.value == nil ? .unknown : valuation,
                                 quantityEstimated: row.estimated, rawLine: row.line)))
    }

    private func flushPending() throws {
        let rows = pending.sorted { $0.value.line < $1.value.line }
        pending.removeAll()
        for (key, row) in rows { try emitRow(key, row) }
    }
}

struct SDMXPendingKey: Hashable {
    var reporter: String
    var partner: String
    var product: String
    var flow: Flow
    var period: Period
}

struct SDMXPendingRow {
    var line: Int
    var quantity: Double?
    var value: Double?
    var estimated = false
}

/// `s` without leading/trailing ASCII whitespace (cheaper than Foundation's trimming on the hot path).
@inline(__always)
private func trimmed(_ s: String) -> Substring {
    let u = s.utf8
    var start = u.startIndex, end = u.endIndex
    func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    while start < end, space(u[start]) { start = u.index(after: start) }
    while end > start, space(u[u.index(before: end)]) { end = u.index(before: end) }
    return s[start..<end]
}
