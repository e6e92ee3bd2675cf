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
    /// Observations held back for merging (bounds memory): beyond it, the oldest series' unmatched
    /// halves are emitted unmerged.
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
                guard let s = f.string, let d = Double(s), d.isFinite, d > 0 else {
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
///
/// Works on libxml2's bytes: an `Obs` start tag copies its three attributes into reused
/// buffers, and a trade observation becomes a row without a String of its own (the series-level
/// fields are resolved once per series). Strings are made for series keys, and for rejected rows.
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
    private let timeDimensionBytes: [UInt8]
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

    // The per-observation state below is touched several times per `Obs`; the handler is driven by
    // one parse and never re-entered, so Swift's run-time exclusivity checks are switched off for it.
    @exclusivity(unchecked) private var inObs = false
    @exclusivity(unchecked) private var obsLine = 0
    /// The observation's time, value and status as UTF-8, in storage reused from one `Obs` to the next.
    private let obsTime = ByteField()
    private let obsValue = ByteField()
    private let obsStatus = ByteField()
    @exclusivity(unchecked) private var obsDims: [(String, String)] = []

    @exclusivity(unchecked) private var merge: SDMXMergeBuffer

    init(file: RawFile, definition: SourceDefinition, reference: ReferenceData, trade: SDMXTradeMapping?,
         emit: @escaping (RowOutcome) throws -> Void) throws {
        self.file = file
        self.definition = definition
        self.reference = reference
        self.trade = trade
        self.emit = emit
        timeDimension = definition.options["time"]?.string ?? "TIME_PERIOD"
        timeDimensionBytes = Array(timeDimension.utf8)
        datasetOption = definition.options["dataset"]?.string
        merge = SDMXMergeBuffer(capacity: trade?.maxPending ?? 0)
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

    func startElement(_ element: XMLStartElement) throws {
        let name = element.localName
        // By far the most frequent element: tested first, its attributes copied as bytes.
        if name == "Obs" { return startObservation(element) }
        if name == "Series" {
            inSeries = true
            seriesDims = element.attributes.map { ($0.localName.string, $0.value) }
            seriesReady()
        } else if name == "Value" {
            guard let id = element.attributes.value("id"),
                  let value = element.attributes.first(where: { $0.localName == "value" }) else { return }
            if inSeriesKey { seriesDims.append((id, value.value)) }
            else if inObsKey { obsDims.append((id, value.value)) }
            else if inAttributes && inObs && id == "OBS_STATUS" { obsStatus.set(value) }
        } else if name == "ObsDimension" {
            if inObs { obsTime.set(element.attributes.first { $0.localName == "value" }) }
        } else if name == "ObsValue" {
            if inObs { obsValue.set(element.attributes.first { $0.localName == "value" }) }
        } else if name == "SeriesKey" {
            inSeriesKey = true
            seriesDims = []
        } else if name == "ObsKey" {
            inObsKey = true
        } else if name == "Attributes" {
            inAttributes = true
        } else if name == "Header" {
            inHeader = true
        } else if name == "DataSetID" {
            if inHeader {
                capturing = true
                text.removeAll(keepingCapacity: true)
            }
        } else if name == "Structure" {
            if inHeader, headerStructureID == nil { headerStructureID = element.attributes.value("structureID") }
        } else if name == "DataSet" {
            dataset = datasetOption ?? headerDataSetID ?? element.attributes.value("structureRef") ?? headerStructureID ?? "unknown"
        }
    }

    private func startObservation(_ element: XMLStartElement) {
        if !inSeries { seriesDims = []; seriesKeyText = ""; seriesLookup = [:]; resolution = nil }
        inObs = true
        obsLine = element.line
        obsTime.set(nil)
        obsValue.set(nil)
        obsStatus.set(nil)
        if !obsDims.isEmpty { obsDims.removeAll(keepingCapacity: true) }
        for a in element.attributes {
            let name = a.localName
            if name == timeDimensionBytes {
                obsTime.set(a)
            } else if name == "OBS_VALUE" {
                obsValue.set(a)
            } else if name == "OBS_STATUS" {
                obsStatus.set(a)
            } else {
                obsDims.append((name.string, a.value))
            }
        }
    }

    func endElement(_ element: XMLEndElement) throws {
        let name = element.localName
        if name == "Obs" {
            inObs = false
            try observation()
        } else if name == "Series" {
            inSeries = false
            seriesDims = []
            seriesLookup = [:]
            seriesKeyText = ""
        } else if name == "SeriesKey" {
            inSeriesKey = false
            seriesReady()
        } else if name == "ObsKey" {
            inObsKey = false
        } else if name == "Attributes" {
            inAttributes = false
        } else if name == "Header" {
            inHeader = false
        } else if name == "DataSetID" {
            guard capturing else { return }
            capturing = false
            let id = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { headerDataSetID = id }
        } else if name == "DataSet" {
            try flushPending()
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
        // Only observation datasets store the key text; trade rows (and their rejects) do not use it.
        seriesKeyText = trade == nil ? key(of: seriesDims) : ""
        seriesLookup = Dictionary(seriesDims, uniquingKeysWith: { first, _ in first })
    }

    private var obsTimeText: String? { obsTime.string }
    private var obsValueText: String? { obsValue.string }
    private var obsStatusText: String? { obsStatus.string }

    private func rawText() -> String {
        var parts = seriesDims.map { "\($0.0)=\($0.1)" } + obsDims.map { "\($0.0)=\($0.1)" }
        parts.append("\(timeDimension)=\(obsTimeText ?? "")")
        parts.append("OBS_VALUE=\(obsValueText ?? "")")
        if let obsStatus = obsStatusText { parts.append("OBS_STATUS=\(obsStatus)") }
        return parts.joined(separator: " ")
    }

    private func reject(_ reason: String, column: String? = nil) throws {
        try emit(.rejected(RejectedRow(location: SourceLocation(file: file.displayPath, line: obsLine),
                                       columnName: column, reason: reason, rawText: rawText())))
    }

    /// `OBS_VALUE` without surrounding ASCII whitespace, as bytes of the reused buffer.
    private func withTrimmedValue<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try obsValue.withBytes { all in
            var start = 0, end = all.count
            func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
            while start < end, space(all[start]) { start += 1 }
            while end > start, space(all[end - 1]) { end -= 1 }
            return try body(UnsafeBufferPointer(rebasing: all[start..<end]))
        }
    }

    /// The value is missing: empty, `NaN` or Eurostat's `:`.
    private static func isMissing(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        v.isEmpty || (v.count == 1 && v[0] == UInt8(ascii: ":"))
            || (v.count == 3 && v[0] == UInt8(ascii: "N") && v[1] == UInt8(ascii: "a") && v[2] == UInt8(ascii: "N"))
    }

    private func observation() throws {
        guard let trade else {
            let seriesKey = inSeries ? seriesKeyText : key(of: obsDims)
            var value: Double?
            var bad: String?
            withTrimmedValue { v in
                guard !Self.isMissing(v) else { return }
                // A statistical series may go below zero (a change, a balance); it is still a finite decimal.
                switch NumberParsing.figure(v, grouping: false) {
                case .value(let d): value = d
                case .flawed(.negative(let d)): value = d
                case .flawed(let flaw): bad = flaw.reason("OBS_VALUE", String(decoding: v, as: UTF8.self))
                }
            }
            if let bad { return try reject(bad, column: "OBS_VALUE") }
            guard obsTime.isPresent, obsTime.count > 0 else {
                return try reject("observation has no \(timeDimension)", column: timeDimension)
            }
            try emit(.observation(SeriesObservation(dataset: dataset ?? datasetOption ?? "unknown", seriesKey: seriesKey,
                                                    period: obsTime.string ?? "", value: value,
                                                    status: obsStatusText, rawLine: obsLine)))
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
        case ok(ResolvedSeries)
        case rejected(reason: String, column: String)
    }

    /// A series whose dimensions map onto a trade row (a class: one reference per observation, not copies).
    private final class ResolvedSeries {
        let key: SDMXMergeBuffer.SeriesKey
        let measure: SDMXTradeMapping.Measure
        let factor: Double
        /// nil for USD, else the currency to convert from.
        let currency: String?
        /// The merge buffer's group for `key`, cached for the series' observations.
        @exclusivity(unchecked) var group: SDMXMergeBuffer.Group?

        init(key: SDMXMergeBuffer.SeriesKey, scale: SDMXTradeMapping.Scale) {
            self.key = key
            measure = scale.measure
            factor = scale.factor
            currency = scale.measure == .value && scale.currency != "USD" ? scale.currency : nil
        }
    }

    @exclusivity(unchecked) private var resolution: Resolution?
    private var countryCache: [String: String] = [:]

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
        let key = SDMXMergeBuffer.SeriesKey(reporter: reporter, partner: partner, product: product, flow: flow)
        return .ok(ResolvedSeries(key: key, scale: scale))
    }

    private func tradeObservation(_ m: SDMXTradeMapping) throws {
        let resolved: Resolution
        if obsDims.isEmpty, let cached = resolution {
            resolved = cached
        } else {
            resolved = resolve(m)
            if obsDims.isEmpty { resolution = resolved }
        }
        guard case .ok(let series) = resolved else {
            if case .rejected(let reason, let column) = resolved { try reject(reason, column: column) }
            return
        }
        guard let period = obsTime.withBytes(Self.period) else {
            return try reject("period \"\(obsTimeText ?? "")\" is not a month or a year", column: timeDimension)
        }
        var raw = 0.0
        var bad: String?
        let missing = withTrimmedValue { v -> Bool in
            if Self.isMissing(v) { return true }
            // A trade figure is a finite, non-negative decimal, as in every other source.
            switch NumberParsing.figure(v, grouping: false) {
            case .value(let d): raw = d
            case .flawed(let flaw): bad = flaw.reason("OBS_VALUE", String(decoding: v, as: UTF8.self))
            }
            return false
        }
        if missing { return try reject("observation has no value", column: "OBS_VALUE") }
        if let bad { return try reject(bad, column: "OBS_VALUE") }
        var amount = raw * series.factor
        if let currency = series.currency {
            guard let rate = reference.unitsPerUSD(currency: currency, period: period), rate > 0 else {
                return try reject("no \(currency)/USD rate for \(period) in the reference FX table", column: "OBS_VALUE")
            }
            amount /= rate
        }
        let estimated = series.measure == .quantityKg && obsStatus.count == 1
            && obsStatus.withBytes { $0[0] == UInt8(ascii: "E") || $0[0] == UInt8(ascii: "e") }
        try merge.add(key: series.key, hint: &series.group, period: period, line: obsLine, measure: series.measure, amount: amount,
                      estimated: estimated, emit: emitRow)
    }

    /// `YYYY`, `YYYYMM`, `YYYY-MM` or SDMX's `YYYY-Mmm`, as `Period(_:)` reads them.
    static func period(_ b: UnsafeBufferPointer<UInt8>) -> Period? {
        @inline(__always) func digit(_ i: Int) -> Int? {
            let d = b[i] &- 48
            return d < 10 ? Int(d) : nil
        }
        guard b.count == 4 || b.count == 6 || b.count == 7,
              let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3) else { return nil }
        let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
        guard (1800...2200).contains(year) else { return nil }
        if b.count == 4 { return Period(year: year) }
        let m = b.count - 2  // YYYYMM or YYYY-MM / YYYY-Mmm
        if b.count == 7 && b[4] != UInt8(ascii: "-") && b[4] != UInt8(ascii: "M") { return nil }
        guard let m0 = digit(m), let m1 = digit(m + 1) else { return nil }
        let month = m0 * 10 + m1
        guard (1...12).contains(month) else { return nil }
        return Period(year: year, month: month)
    }

    private func emitRow(_ key: SDMXMergeBuffer.SeriesKey, _ row: SDMXMergeBuffer.Half) throws {
        let valuation: Valuation = switch key.flow {
        case .import, .reImport: .cif
        case .export, .reExport: .fob
        }
        try emit(.trade(TradeRow(period: row.period, reporter: key.reporter, partner: key.partner, flow: key.flow,
                                 hsCode: key.product, quantityKg: row.quantity, valueUSD: row.value,
                                 valuation: row.value == nil ? .unknown : valuation,
                                 quantityEstimated: row.estimated, rawLine: row.line)))
    }

    private func flushPending() throws {
        try merge.flush(emit: emitRow)
    }
}

/// The quantity and value observations of one trade row (reporter, partner, product, flow,
/// period) become one row when both are seen while their series is still open; a half whose
/// series is closed unmatched is emitted alone.
///
/// Halves are kept per series key, in arrival order, so the common layouts cost no hashing per
/// observation: a new period beyond the series' last one is appended, and the other measure's
/// series, which Comext writes next in the same period order, is matched by a cursor. Memory is
/// bounded: when more than `capacity` observations are held, the oldest series is closed
/// (its unmatched halves emitted), so it stays flat whatever the file's size.
struct SDMXMergeBuffer {
    struct SeriesKey: Hashable {
        var reporter: String
        var partner: String
        var product: String
        var flow: Flow
    }

    /// One observation held back: a pending half, or (no longer `live`) one already emitted.
    /// 32 bytes: the period is kept as its code, the optionals as flags.
    struct Half {
        private static let hasQuantity: UInt8 = 1, hasValue: UInt8 = 2, isEstimated: UInt8 = 4, isLive: UInt8 = 8

        /// `year * 13 + month` (0 for an annual period).
        var code: Int32
        private var flags: UInt8 = Half.isLive
        var line: Int
        private var quantityStorage = 0.0
        private var valueStorage = 0.0

        init(code: Int32, line: Int) {
            self.code = code
            self.line = line
        }

        var period: Period {
            let month = Int(code % 13)
            return Period(year: Int(code / 13), month: month == 0 ? nil : month)
        }

        var quantity: Double? {
            get { flags & Half.hasQuantity != 0 ? quantityStorage : nil }
            set { set(Half.hasQuantity, newValue != nil); quantityStorage = newValue ?? 0 }
        }

        var value: Double? {
            get { flags & Half.hasValue != 0 ? valueStorage : nil }
            set { set(Half.hasValue, newValue != nil); valueStorage = newValue ?? 0 }
        }

        var estimated: Bool {
            get { flags & Half.isEstimated != 0 }
            set { set(Half.isEstimated, newValue) }
        }

        var live: Bool {
            get { flags & Half.isLive != 0 }
            set { set(Half.isLive, newValue) }
        }

        private mutating func set(_ flag: UInt8, _ on: Bool) {
            flags = on ? flags | flag : flags & ~flag
        }
    }

    /// The halves of one series key, in arrival order. (Used by one parse only, never re-entered:
    /// no run-time exclusivity checks on its fields, which are touched on every observation.)
    final class Group {
        let key: SeriesKey
        @exclusivity(unchecked) var rows: [Half] = []
        @exclusivity(unchecked) var live = 0
        @exclusivity(unchecked) var maxCode = Int32.min
        /// Codes never decrease along `rows` (binary search applies).
        @exclusivity(unchecked) var sorted = true
        /// Where the next lookup looks first: just after the last match.
        @exclusivity(unchecked) var cursor = 0
        /// Code → indexes in `rows`, built only for a long group whose periods arrived out of order.
        @exclusivity(unchecked) var index: [Int32: [Int]]?
        @exclusivity(unchecked) var isOpen = true

        init(key: SeriesKey) { self.key = key }

        /// The index of the live half with this code, if any.
        func find(_ code: Int32) -> Int? {
            if code > maxCode { return nil }
            if cursor < rows.count, rows[cursor].code == code, rows[cursor].live { return cursor }
            if sorted {
                var lo = 0, hi = rows.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if rows[mid].code < code { lo = mid + 1 } else { hi = mid }
                }
                while lo < rows.count, rows[lo].code == code {
                    if rows[lo].live { return lo }
                    lo += 1
                }
                return nil
            }
            if rows.count <= 256 {
                return rows.lastIndex { $0.code == code && $0.live }
            }
            if index == nil {
                var built: [Int32: [Int]] = [:]
                for (i, row) in rows.enumerated() { built[row.code, default: []].append(i) }
                index = built
            }
            return index?[code]?.last { rows[$0].live }
        }

        func append(_ half: Half) {
            if half.code < maxCode { sorted = false }
            maxCode = max(maxCode, half.code)
            index?[half.code, default: []].append(rows.count)
            rows.append(half)
            live += 1
        }
    }

    let capacity: Int
    private var groups: [SeriesKey: Group] = [:]
    /// Open groups, oldest first (from `head`).
    private var order: [Group] = []
    private var head = 0
    /// Observations held in open groups (live or already emitted).
    private var held = 0
    /// Row storage of closed groups, reused by new ones (no allocation per series in steady state).
    private var spareRows: [[Half]] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private static func code(_ period: Period) -> Int32 {
        Int32(truncatingIfNeeded: period.year * 13 + (period.month ?? 0))
    }

    private mutating func group(for key: SeriesKey, hint: Group?) -> Group {
        if let hint, hint.isOpen { return hint }
        let group: Group
        if let open = groups[key] {
            group = open
        } else {
            group = Group(key: key)
            if let rows = spareRows.popLast() { group.rows = rows } else { group.rows.reserveCapacity(256) }
            groups[key] = group
            order.append(group)
        }
        return group
    }

    /// Adds one observation; emits the merged row when it completes one, the displaced half when its
    /// key and period already hold this measure (a repeated observation), and the halves of the
    /// oldest series when the buffer is full.
    ///
    /// `hint` is the caller's cache of the key's group (one per series): used while open, refreshed otherwise.
    mutating func add(key: SeriesKey, hint: inout Group?, period: Period, line: Int, measure: SDMXTradeMapping.Measure,
                      amount: Double, estimated: Bool, emit: (SeriesKey, Half) throws -> Void) throws {
        let group = group(for: key, hint: hint)
        hint = group
        let code = Self.code(period)
        if let i = group.find(code) {
            group.cursor = i + 1
            var row = group.rows[i]
            let duplicate = measure == .quantityKg ? row.quantity != nil : row.value != nil
            group.rows[i].live = false
            group.live -= 1
            if !duplicate {
                switch measure {
                case .quantityKg: row.quantity = amount; row.estimated = estimated
                case .value: row.value = amount
                }
                try emit(key, row)
                return
            }
            try emit(key, row)
        }
        var half = Half(code: code, line: line)
        switch measure {
        case .quantityKg: half.quantity = amount; half.estimated = estimated
        case .value: half.value = amount
        }
        group.append(half)
        held += 1
        while held > capacity, head < order.count {
            try close(oldest: emit)
        }
    }

    /// Closes the oldest open series: its unmatched halves are emitted alone.
    private mutating func close(oldest emit: (SeriesKey, Half) throws -> Void) throws {
        let group = order[head]
        head += 1
        group.isOpen = false
        groups.removeValue(forKey: group.key)
        held -= group.rows.count
        var rows: [Half] = []
        swap(&rows, &group.rows)
        for row in rows where row.live { try emit(group.key, row) }
        rows.removeAll(keepingCapacity: true)
        if spareRows.count < 1024 { spareRows.append(rows) }
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Emits every half still waiting, series by series (oldest first, each in arrival order), and
    /// empties the buffer. No copy of the waiting halves is made, so the end of a file costs no memory.
    mutating func flush(emit: (SeriesKey, Half) throws -> Void) throws {
        while head < order.count {
            let group = order[head]
            head += 1
            guard group.isOpen else { continue }
            group.isOpen = false
            for row in group.rows where row.live { try emit(group.key, row) }
            group.rows = []
        }
        groups.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        spareRows.removeAll()
        head = 0
        held = 0
    }
}
