import Foundation
import GRDB
import GRDBSQLite
import TradeCore

/// Which current trade rows to read; nil fields do not filter.
public struct TradeFilter: Sendable, Hashable {
    public var source: String?
    public var reporter: String?
    /// Rows declared by any of these reporters.
    public var reporters: Set<String>?
    public var partner: String?
    public var flow: Flow?
    /// Rows whose hs_code starts with this prefix (`2846`, `28053`).
    public var hsPrefix: String?
    public var frequency: Frequency?
    /// Inclusive period bounds in the warehouse's text form (`2024-01`, `2024`).
    public var periodFrom: String?
    public var periodTo: String?

    public init(source: String? = nil, reporter: String? = nil, reporters: Set<String>? = nil, partner: String? = nil,
                flow: Flow? = nil, hsPrefix: String? = nil, frequency: Frequency? = nil, periodFrom: String? = nil,
                periodTo: String? = nil) {
        self.source = source
        self.reporter = reporter
        self.reporters = reporters
        self.partner = partner
        self.flow = flow
        self.hsPrefix = hsPrefix
        self.frequency = frequency
        self.periodFrom = periodFrom
        self.periodTo = periodTo
    }
}

/// A current trade row with where it came from (for detectors that cite evidence).
public struct SourcedTradeRow: Sendable, Hashable {
    public var row: TradeRow
    public var source: String
    public var rawFile: String
}

extension Warehouse {
    /// Current (non-superseded) trade rows from the `trade` view, ordered by source, reporter, flow, code, partner, period.
    public func currentTrade(_ filter: TradeFilter = TradeFilter()) throws -> [TradeRow] {
        try currentSourcedTrade(filter).map(\.row)
    }

    /// Visits every current trade row without holding them, in the order of the natural-key index
    /// (source, period, reporter, partner, flow, code). Current rows are unique per source and key,
    /// so the order does not depend on the order files were loaded in: sums over it are reproducible.
    /// Columns are read with raw `sqlite3_column_*` calls: this is the detectors' bulk read. The
    /// second argument is the row's source.
    public func forEachCurrentTradeRow(_ body: (TradeRow, String) throws -> Void) throws {
        try read("cannot read trade rows") { db in
            try Self.visitTradeRows(db, sql: """
                SELECT \(Self.tradeRowColumns), source
                FROM trade_observation INDEXED BY trade_natural_key
                WHERE superseded_by_file IS NULL
                ORDER BY source, period, reporter, partner, flow, hs_code
                """, body)
        }
    }

    /// The columns every trade read selects first, in the order `tradeRow(_:)` decodes them.
    static let tradeRowColumns = """
        period, reporter, partner, flow, hs_code, hs_edition, quantity_kg, value_usd, valuation,
        quantity_estimated, raw_line
        """

    /// Steps a statement whose first columns are `tradeRowColumns` and whose twelfth is the source,
    /// reading them with raw `sqlite3_column_*` calls (the detectors' bulk reads).
    static func visitTradeRows(_ db: Database, sql: String, _ body: (TradeRow, String) throws -> Void) throws {
        try stepRows(db, statement: try db.makeStatement(sql: sql)) { h in
            try body(try tradeRow(h), text(h, 11) ?? "")
        }
    }

    /// Steps `statement` to its end, handing each row's statement handle to `body`.
    static func stepRows(_ db: Database, statement: Statement, _ body: (OpaquePointer) throws -> Void) throws {
        let h = statement.sqliteStatement
        while true {
            let code = sqlite3_step(h)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            }
            try body(h)
        }
    }

    /// The one mapping of a stored trade row (columns `tradeRowColumns` of the current step) to a `TradeRow`.
    static func tradeRow(_ h: OpaquePointer) throws -> TradeRow {
        let periodText = text(h, 0) ?? "", flowText = text(h, 3) ?? "", valuationText = text(h, 8) ?? ""
        guard let period = Period(periodText), let flow = Flow(rawValue: flowText),
              let valuation = Valuation(rawValue: valuationText) else {
            throw Diagnostic("cannot read trade rows: unexpected period/flow/valuation \(periodText)/\(flowText)/\(valuationText)")
        }
        return TradeRow(period: period, reporter: text(h, 1) ?? "", partner: text(h, 2) ?? "",
                        flow: flow, hsCode: text(h, 4) ?? "", hsEdition: text(h, 5),
                        quantityKg: double(h, 6), valueUSD: double(h, 7), valuation: valuation,
                        quantityEstimated: sqlite3_column_int64(h, 9) != 0, rawLine: Int(sqlite3_column_int64(h, 10)))
    }

    static func text(_ h: OpaquePointer, _ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(h, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(h, column))), as: UTF8.self)
    }

    static func double(_ h: OpaquePointer, _ column: Int32) -> Double? {
        sqlite3_column_type(h, column) == SQLITE_NULL ? nil : sqlite3_column_double(h, column)
    }

    /// Like `currentTrade` but each row keeps its source and raw file.
    public func currentSourcedTrade(_ filter: TradeFilter = TradeFilter()) throws -> [SourcedTradeRow] {
        try read("cannot read trade rows") { db in
            var conditions: [SQL] = []
            if let v = filter.source { conditions.append("source = \(v)") }
            if let v = filter.reporter { conditions.append("reporter = \(v)") }
            if let v = filter.reporters { conditions.append("reporter IN \(v.sorted())") }
            if let v = filter.partner { conditions.append("partner = \(v)") }
            if let v = filter.flow { conditions.append("flow = \(v.rawValue)") }
            if let v = filter.hsPrefix { conditions.append("substr(hs_code, 1, \(v.count)) = \(v)") }
            if let v = filter.frequency { conditions.append("frequency = \(v.rawValue)") }
            if let v = filter.periodFrom { conditions.append("period >= \(v)") }
            if let v = filter.periodTo { conditions.append("period <= \(v)") }
            var sql: SQL = "SELECT \(sql: Self.tradeRowColumns), source, raw_file FROM trade"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY source, reporter, flow, hs_code, partner, period"
            let (text, arguments) = try sql.build(db)
            let statement = try db.makeStatement(sql: text)
            try statement.setArguments(arguments)
            var rows: [SourcedTradeRow] = []
            try Self.stepRows(db, statement: statement) { h in
                rows.append(SourcedTradeRow(row: try Self.tradeRow(h), source: Self.text(h, 11) ?? "",
                                            rawFile: Self.text(h, 12) ?? ""))
            }
            return rows
        }
    }

    /// Current mineral statistics (`mineral_stats` view), by measure, country, year.
    public func mineralStats() throws -> [MineralStat] {
        try read("cannot read mineral statistics") { db in
            try Row.fetchAll(db, sql: """
                SELECT country, year, measure, value, unit, estimated, note, raw_line
                FROM mineral_stats ORDER BY measure, country, year, source
                """).map { r in
                MineralStat(country: r["country"], year: r["year"], measure: r["measure"], value: r["value"],
                            unit: r["unit"], estimated: r["estimated"], note: r["note"], rawLine: r["raw_line"])
            }
        }
    }

    /// Current series observations (`series_observations` view), optionally of one dataset.
    public func seriesObservations(dataset: String? = nil) throws -> [SeriesObservation] {
        try read("cannot read series observations") { db in
            var sql: SQL = "SELECT dataset, series_key, period, value, status, raw_line FROM series_observations"
            if let dataset { sql += " WHERE dataset = \(dataset)" }
            sql += " ORDER BY dataset, series_key, period"
            return try Row.fetchAll(db, SQLRequest<Row>(literal: sql)).map { r in
                SeriesObservation(dataset: r["dataset"], seriesKey: r["series_key"], period: r["period"],
                                  value: r["value"], status: r["status"], rawLine: r["raw_line"])
            }
        }
    }

    /// Export-control regimes (`export_controls` view), by effective date.
    public func exportControls() throws -> [ExportControl] {
        try read("cannot read export controls") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM export_controls ORDER BY effective, regime").map { r in
                ExportControl(regime: r["regime"], issuer: r["issuer"], announced: r["announced"],
                              effective: r["effective"], suspendedFrom: r["suspended_from"],
                              suspendedUntil: r["suspended_until"], elements: Self.split(r["elements"]),
                              scope: r["scope"])
            }
        }
    }

    /// Commodity lines (`commodities` view: reference lines, then loaded lines for other codes), by code.
    /// `rawLine` is 0 for reference lines.
    public func commodities() throws -> [CommodityRow] {
        try read("cannot read commodities") { db in
            try Row.fetchAll(db, sql: """
                SELECT c.*, COALESCE(l.raw_line, 0) AS raw_line
                FROM commodities c
                LEFT JOIN commodity_line l ON c.origin = 'file' AND l.code = c.code AND l.nomenclature = c.nomenclature
                     AND l.superseded_by_file IS NULL
                ORDER BY c.code, c.nomenclature
                """).map { r in
                CommodityRow(code: r["code"], level: r["level"], parent: r["parent"],
                             descriptionEN: r["description_en"], descriptionZH: r["description_zh"],
                             elements: Self.split(r["elements"]), nomenclature: r["nomenclature"],
                             validFrom: r["valid_from"], validTo: r["valid_to"], rawLine: r["raw_line"])
            }
        }
    }

    /// FX rates (`fx_rates` view), by currency and period.
    public func fxRates() throws -> [FXRate] {
        try read("cannot read FX rates") { db in
            try Row.fetchAll(db, sql: "SELECT currency, period, units_per_usd FROM fx_rates ORDER BY currency, period")
                .map { r in
                    let text: String = r["period"]
                    guard let period = Period(text) else {
                        throw Diagnostic("cannot read FX rates: bad period \(text)")
                    }
                    return FXRate(currency: r["currency"], period: period, unitsPerUSD: r["units_per_usd"])
                }
        }
    }

    /// Countries of the reference table (`countries` view), by ISO3.
    public func countries() throws -> [Country] {
        try read("cannot read countries") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM countries ORDER BY iso3").map { r in
                Country(iso3: r["iso3"], iso2: r["iso2"], isoNumeric: r["iso_numeric"],
                        comtradeCode: r["comtrade_code"], nameEN: r["name_en"], nameZH: r["name_zh"],
                        aliases: Self.split(r["aliases"]))
            }
        }
    }

    /// `Sm|Gd` → `["Sm", "Gd"]`; empty text → `[]`.
    static func split(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }
}

extension Warehouse {
    /// The raw files (as the manifest names them) whose current rows of `source` gave a declarer's
    /// figures for one flow, code family and partner between two periods: the files a finding rests on.
    /// The months from `from` to `to` (a year stands for its months) and the years between are listed
    /// one by one, so each is a seek into the natural-key index (source, period, reporter, …), not a
    /// scan of every declarer's rows of the span.
    public func rawFiles(source: String, declarer: String, flow: Flow, codePrefix: String, partner: String?,
                         from: String, to: String, limit: Int = 20) throws -> [String] {
        let periods = Self.periods(from: from, to: to)
        guard !periods.isEmpty else { return [] }
        return try read("cannot read the files of a finding") { db in
            var sql: SQL = """
                SELECT DISTINCT f.path FROM trade_observation t INDEXED BY trade_natural_key JOIN raw_file f ON f.id = t.file_id
                WHERE t.superseded_by_file IS NULL AND t.source = \(source) AND t.period IN \(periods)
                  AND t.reporter = \(declarer) AND t.flow = \(flow.rawValue)
                  AND substr(t.hs_code, 1, \(codePrefix.count)) = \(codePrefix)
                """
            if let partner { sql += " AND t.partner = \(partner)" }
            sql += " ORDER BY f.path LIMIT \(limit)"
            return try String.fetchAll(db, SQLRequest<String>(literal: sql))
        }
    }

    /// The warehouse periods (`2021`, `2021-03`) of a finding from `from` to `to` (`PeriodSpan`).
    /// Empty when either bound is not a period.
    static func periods(from: String, to: String) -> [String] {
        PeriodSpan(from: from, to: to)?.periods.map(\.description) ?? []
    }
}
