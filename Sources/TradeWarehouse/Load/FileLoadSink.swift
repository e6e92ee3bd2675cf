import GRDB
import TradeCore

/// Receives the normalized rows of one file inside its load transaction (`Warehouse.loadFile`).
///
/// Valid only during the `loadFile` body. A row whose natural key already occurs in the
/// same file, or that the schema's checks refuse, is stored as a rejected row with the reason.
public final class FileLoadSink {
    private let db: Database
    let fileID: Int64
    let runID: Int64
    let source: String
    let path: String
    private var isOpen = true

    /// Prepared on the first trade row, after the table's indexes are set aside for a bulk load.
    private var tradeInsertStorage: RawInsert?
    private lazy var mineralInsert = makeInsert("""
        INSERT INTO mineral_observation (file_id, source, country, year, measure, value, unit, estimated, note, raw_line)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING
        """)
    private lazy var commodityInsert = makeInsert("""
        INSERT INTO commodity_line (file_id, source, code, level, parent, description_en, description_zh, elements,
                                    nomenclature, valid_from, valid_to, raw_line)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING
        """)
    private lazy var observationInsert = makeInsert("""
        INSERT INTO series_value (file_id, source, dataset, series_key, period, value, status, raw_line)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING
        """)
    private lazy var rejectedInsert = makeInsert("""
        INSERT INTO rejected_row (file_id, source, run_id, raw_file, raw_line, raw_column, column_name, reason, raw_text)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        """)
    /// The first error preparing a lazy statement (lazy vars cannot throw).
    private var prepareError: (any Error)?

    private(set) var tradeRows = 0
    private(set) var mineralRows = 0
    private(set) var commodityRows = 0
    private(set) var observationRows = 0
    private(set) var rejectedRows = 0
    /// The declarer-years of the trade rows stored and what they cover, for the rollup refresh;
    /// the declarer-year being loaded is kept apart until the rows move on to another.
    private var shapes: [ReporterYear: YearShape] = [:]
    private var current: (key: ReporterYear, shape: YearShape)?

    /// Bytes of the raw file: with `bulkRowBytes`, whether its rows may outnumber a table's.
    private let fileSize: Int64
    /// Indexes dropped for a bulk load, built again by `finish()`.
    private var deferredIndexes: [DeferredIndex] = []
    /// In a bulk load of trade rows, the keys stored so far; rows it may have seen are held back in
    /// `temp.trade_repeat_candidate` (`repeatCandidates` of them) until `finish()`.
    private var repeatFilter: RepeatFilter?
    private var candidateInsert: RawInsert?
    private var repeatCandidates = 0

    init(db: Database, fileID: Int64, runID: Int64, source: String, path: String, fileSize: Int64) throws {
        self.db = db
        self.fileID = fileID
        self.runID = runID
        self.source = source
        self.path = path
        self.fileSize = fileSize
    }

    private func tradeInsert() throws -> RawInsert {
        if let insert = tradeInsertStorage { return insert }
        try deferIndexesForBulkLoad(of: "trade_observation")
        let insert = try RawInsert(db, sql: """
            INSERT INTO trade_observation (file_id, source, period, reporter, partner, flow, hs_code, hs_edition,
                                           quantity_kg, value_usd, valuation, quantity_estimated, raw_line)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING
            """)
        insert.bind(1, fileID)
        insert.bindForAllRows(2, source)
        tradeInsertStorage = insert
        if deferredIndexes.contains(where: { $0.table == "trade_observation" && $0.isUnique }) {
            repeatFilter = RepeatFilter(bytes: RepeatFilter.bytes(forFileBytes: fileSize, rowBytes: Self.bulkRowBytes))
        }
        return insert
    }

    private func makeInsert(_ sql: String) -> RawInsert? {
        do {
            let insert = try RawInsert(db, sql: sql)
            insert.bind(1, fileID)
            insert.bindForAllRows(2, source)
            return insert
        } catch {
            prepareError = prepareError ?? error
            return nil
        }
    }

    private func prepared(_ insert: RawInsert?) throws -> RawInsert {
        guard let insert else { throw prepareError ?? Diagnostic("cannot prepare an insert for \(path)") }
        return insert
    }

    /// Stores one normalized outcome: a trade, mineral, commodity or series row, or a rejected row.
    public func add(_ outcome: RowOutcome) throws {
        guard isOpen else {
            throw Diagnostic("rows for \(path) were added after its load transaction ended")
        }
        switch outcome {
        case .trade(let row): try addTrade(row)
        case .mineral(let stat): try addMineral(stat)
        case .commodity(let line): try addCommodity(line)
        case .observation(let observation): try addObservation(observation)
        case .rejected(let rejected): try addRejected(rejected)
        }
    }

    /// Stores a batch of outcomes in order.
    public func add(contentsOf outcomes: some Sequence<RowOutcome>) throws {
        for outcome in outcomes { try add(outcome) }
    }

    func close() { isOpen = false }

    // MARK: - Bulk loads

    /// An index dropped for a bulk load, with the SQL that creates it.
    private struct DeferredIndex {
        let table: String
        let name: String
        let sql: String
        let isUnique: Bool
    }

    /// A file is loaded in bulk when its table holds fewer rows than the file may add (its size over
    /// this many bytes a row): appending without indexes and sorting them once at the end is then
    /// cheaper than maintaining them row by row.
    static let bulkRowBytes: Int64 = 128

    /// Drops `table`'s indexes when this file is a bulk load for it; `finish()` builds them again in
    /// the same transaction, so other readers never see the table without them.
    private func deferIndexesForBulkLoad(of table: String) throws {
        let rows = try Int64.fetchOne(db, sql: "SELECT max(id) FROM \(table)") ?? 0
        guard rows <= fileSize / Self.bulkRowBytes else { return }
        let indexes = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL
            """, arguments: [table])
        for index in indexes {
            let name: String = index["name"], sql: String = index["sql"]
            deferredIndexes.append(DeferredIndex(table: table, name: name, sql: sql,
                                                 isUnique: sql.uppercased().hasPrefix("CREATE UNIQUE")))
            try db.execute(sql: "DROP INDEX \(name)")
        }
    }

    /// Ends the file's rows: builds the indexes a bulk load set aside, then settles the rows the
    /// repeat filter held back. Every row stored so far has a key no earlier row has, so the unique
    /// natural-key index builds at the first attempt.
    func finish() throws {
        // The filter's work is done: free it before the index builds' sorts need memory.
        repeatFilter = nil
        for index in deferredIndexes where !index.isUnique {
            try db.execute(sql: index.sql)
        }
        for index in deferredIndexes where index.isUnique {
            try db.execute(sql: index.sql)
        }
        deferredIndexes = []
        try settleRepeatCandidates()
    }

    // MARK: - Repeated keys in a bulk load

    /// The trade rows of a bulk load whose key the filter may have seen, kept aside with the text a
    /// rejected row would show, until the natural-key index exists.
    private func holdRepeatCandidate(_ row: TradeRow, period: String) throws {
        let insert: RawInsert
        if let candidateInsert {
            insert = candidateInsert
        } else {
            try db.execute(sql: """
                CREATE TEMP TABLE trade_repeat_candidate (
                    id INTEGER PRIMARY KEY, period TEXT NOT NULL, reporter TEXT NOT NULL, partner TEXT NOT NULL,
                    flow TEXT NOT NULL, hs_code TEXT NOT NULL, hs_edition TEXT, quantity_kg REAL, value_usd REAL,
                    valuation TEXT NOT NULL, quantity_estimated INTEGER NOT NULL, raw_line INTEGER NOT NULL,
                    raw_text TEXT NOT NULL)
                """)
            insert = try RawInsert(db, sql: """
                INSERT INTO temp.trade_repeat_candidate (period, reporter, partner, flow, hs_code, hs_edition, quantity_kg,
                                                         value_usd, valuation, quantity_estimated, raw_line, raw_text)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """)
            candidateInsert = insert
        }
        Self.bind(row, period: period, to: insert, from: 1)
        insert.bind(12, Self.text(row))
        guard case .inserted = try insert.step() else {
            throw Diagnostic("cannot hold back the repeated row \(path):\(row.rawLine)")
        }
        repeatCandidates += 1
    }

    /// Settles the held-back rows in two set-based steps. Those whose key a stored row has are
    /// rejected as repeats of that row's line, in one statement driven by the natural-key index; the
    /// few left (the filter's false alarms, and repeats among them) are stored as any row would be,
    /// in line order, so the first of a key is kept and the rest are rejected.
    private func settleRepeatCandidates() throws {
        guard repeatCandidates > 0 else { return }
        candidateInsert = nil
        let sameKey = """
            t.source = ?2 AND t.period = c.period AND t.reporter = c.reporter AND t.partner = c.partner
            AND t.flow = c.flow AND t.hs_code = c.hs_code AND t.file_id = ?1
            """
        try db.execute(sql: """
            INSERT INTO rejected_row (file_id, source, run_id, raw_file, raw_line, raw_column, column_name, reason, raw_text)
            SELECT ?1, ?2, ?3, ?4, c.raw_line, NULL, NULL, ?5 || t.raw_line || ?6, c.raw_text
            FROM temp.trade_repeat_candidate c JOIN trade_observation t ON \(sameKey)
            ORDER BY c.id
            """, arguments: [fileID, source, runID, path, Self.duplicateTradeReasonPrefix, Self.duplicateTradeReasonSuffix])
        let repeats = db.changesCount
        rejectedRows += repeats
        if repeats < repeatCandidates {
            // Rows stored by this loop get higher ids: the NOT EXISTS looks only at rows stored before it.
            let lastStored = try Int64.fetchOne(db, sql: "SELECT max(id) FROM trade_observation") ?? 0
            // The held-back table has the trade columns under the same names: the warehouse's one
            // mapping of stored columns to a TradeRow reads it.
            let unsettled = try db.makeStatement(sql: """
                SELECT \(Warehouse.tradeRowColumns) FROM temp.trade_repeat_candidate c
                WHERE NOT EXISTS (SELECT 1 FROM trade_observation t WHERE \(sameKey) AND t.id <= ?3)
                ORDER BY c.id
                """)
            unsettled.arguments = [fileID, source, lastStored]
            let insert = try tradeInsert()
            try Warehouse.stepRows(db, statement: unsettled) { h in
                let row = try Warehouse.tradeRow(h)
                try store(row, period: row.period.description, with: insert)
            }
        }
        try db.execute(sql: "DROP TABLE temp.trade_repeat_candidate")
        repeatCandidates = 0
    }

    /// The filter's hash of a trade row's natural key within this file (source and file are the same
    /// for every row): FNV-1a over the key's bytes, each field ended by a byte no text holds, then
    /// MurmurHash3's finalizer so the block (high bits) and the bits in it (low bits) are independent.
    /// A hash is only a filter's question, never an answer: two keys that collide are told apart by
    /// the key index when the held-back rows are settled.
    private static func keyHash(_ row: TradeRow, period: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            var text = text
            text.withUTF8 { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            }
            hash = (hash ^ 0xff) &* 0x0000_0100_0000_01b3
        }
        mix(period)
        mix(row.reporter)
        mix(row.partner)
        mix(row.flow.rawValue)
        mix(row.hsCode)
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        return hash ^ (hash >> 33)
    }

    // MARK: - Kinds

    /// The declarer-years of the trade rows stored, with what each covers.
    var reporterYearShapes: [ReporterYear: YearShape] {
        keepCurrentShape()
        return shapes
    }

    private func keepCurrentShape() {
        guard let current else { return }
        shapes[current.key, default: YearShape()].merge(current.shape)
        self.current = nil
    }

    /// The text of the last period seen: files run through one period at a time, so this saves a String per row.
    private var lastPeriod: (period: Period, text: String)?

    private func addTrade(_ row: TradeRow) throws {
        let tradeInsert = try tradeInsert()
        let period: String
        if let last = lastPeriod, last.period == row.period {
            period = last.text
        } else {
            period = row.period.description
            lastPeriod = (row.period, period)
        }
        guard let repeatFilter else {
            try store(row, period: period, with: tradeInsert)
            return
        }
        let key = Self.keyHash(row, period: period)
        if repeatFilter.mayContain(key) {
            try holdRepeatCandidate(row, period: period)
        } else if try store(row, period: period, with: tradeInsert) {
            repeatFilter.insert(key)
        }
    }

    /// Binds a trade row's eleven columns, in the order both trade inserts list them (period,
    /// reporter, partner, flow, hs_code, hs_edition, quantity_kg, value_usd, valuation,
    /// quantity_estimated, raw_line), to parameters `first`, `first + 1`, ….
    private static func bind(_ row: TradeRow, period: String, to insert: RawInsert, from first: Int32) {
        insert.bind(first, period)
        insert.bind(first + 1, row.reporter)
        insert.bind(first + 2, row.partner)
        insert.bind(first + 3, row.flow.rawValue)
        insert.bind(first + 4, row.hsCode)
        insert.bind(first + 5, row.hsEdition)
        insert.bind(first + 6, row.quantityKg)
        insert.bind(first + 7, row.valueUSD)
        insert.bind(first + 8, row.valuation.rawValue)
        insert.bind(first + 9, row.quantityEstimated)
        insert.bind(first + 10, row.rawLine)
    }

    /// Inserts one trade row; true when stored, false when it became a rejected row.
    @discardableResult
    private func store(_ row: TradeRow, period: String, with tradeInsert: RawInsert) throws -> Bool {
        Self.bind(row, period: period, to: tradeInsert, from: 3)
        switch try tradeInsert.step() {
        case .inserted:
            tradeRows += 1
            // Files run through one declarer and year at a time: hash only when they change.
            if current?.key.year != row.period.year || current?.key.reporter != row.reporter {
                keepCurrentShape()
                current = (ReporterYear(reporter: row.reporter, year: row.period.year), YearShape())
            }
            current?.shape.add(codeLength: row.hsCode.utf8.count, month: row.period.month)
            return true
        case .duplicate:
            // One prepared statement for every repeat of the file: a repeat costs about what a row costs.
            let firstLine = try db.cachedStatement(sql: """
                SELECT raw_line FROM trade_observation
                WHERE source = ? AND period = ? AND reporter = ? AND partner = ? AND flow = ? AND hs_code = ? AND file_id = ?
                """)
            let first = try Int.fetchOne(firstLine, arguments: [source, period, row.reporter, row.partner,
                                                                row.flow.rawValue, row.hsCode, fileID])
            try reject(line: row.rawLine, reason: Self.duplicateTradeReason(firstLine: first), text: Self.text(row))
        case .refused(let message):
            try reject(line: row.rawLine, reason: "refused by the warehouse schema: \(message)", text: Self.text(row))
        }
        return false
    }

    private func addMineral(_ stat: MineralStat) throws {
        let insert = try prepared(mineralInsert)
        insert.bind(3, stat.country)
        insert.bind(4, stat.year)
        insert.bind(5, stat.measure)
        insert.bind(6, stat.value)
        insert.bind(7, stat.unit)
        insert.bind(8, stat.estimated)
        insert.bind(9, stat.note)
        insert.bind(10, stat.rawLine)
        let text = "country=\(stat.country) year=\(stat.year) measure=\(stat.measure) value=\(stat.value.map { String($0) } ?? "") unit=\(stat.unit)"
        if try settle(insert.step(), line: stat.rawLine, text: text,
                      duplicate: "duplicate figure: same country, year and measure earlier in this file") {
            mineralRows += 1
        }
    }

    private func addCommodity(_ line: CommodityRow) throws {
        let insert = try prepared(commodityInsert)
        insert.bind(3, line.code)
        insert.bind(4, line.level)
        insert.bind(5, line.parent)
        insert.bind(6, line.descriptionEN)
        insert.bind(7, line.descriptionZH)
        insert.bind(8, line.elements.joined(separator: "|"))
        insert.bind(9, line.nomenclature)
        insert.bind(10, line.validFrom)
        insert.bind(11, line.validTo)
        insert.bind(12, line.rawLine)
        let text = "code=\(line.code) nomenclature=\(line.nomenclature) description=\(line.descriptionEN)"
        if try settle(insert.step(), line: line.rawLine, text: text,
                      duplicate: "duplicate line: code \(line.code) of \(line.nomenclature) occurs earlier in this file") {
            commodityRows += 1
        }
    }

    private func addObservation(_ observation: SeriesObservation) throws {
        let insert = try prepared(observationInsert)
        insert.bind(3, observation.dataset)
        insert.bind(4, observation.seriesKey)
        insert.bind(5, observation.period)
        insert.bind(6, observation.value)
        insert.bind(7, observation.status)
        insert.bind(8, observation.rawLine)
        let text = "dataset=\(observation.dataset) series=\(observation.seriesKey) period=\(observation.period) value=\(observation.value.map { String($0) } ?? "")"
        if try settle(insert.step(), line: observation.rawLine, text: text,
                      duplicate: "duplicate observation: same series and period earlier in this file") {
            observationRows += 1
        }
    }

    /// True for an inserted row; a duplicate key or a schema refusal becomes a rejected row instead.
    private func settle(_ outcome: RawInsert.Outcome, line: Int, text: String, duplicate: String) throws -> Bool {
        switch outcome {
        case .inserted:
            return true
        case .duplicate:
            try reject(line: line, reason: duplicate, text: text)
        case .refused(let message):
            try reject(line: line, reason: "refused by the warehouse schema: \(message)", text: text)
        }
        return false
    }

    private func addRejected(_ rejected: RejectedRow) throws {
        try insertRejected(file: rejected.location.file.isEmpty ? path : rejected.location.file,
                           line: rejected.location.line, column: rejected.location.column,
                           columnName: rejected.columnName, reason: rejected.reason, text: rejected.rawText)
    }

    private func reject(line: Int, reason: String, text: String) throws {
        try insertRejected(file: path, line: line, column: nil, columnName: nil, reason: reason, text: text)
    }

    private func insertRejected(file: String, line: Int, column: Int?, columnName: String?,
                                reason: String, text: String) throws {
        let insert = try prepared(rejectedInsert)
        insert.bind(3, runID)
        insert.bind(4, file)
        insert.bind(5, line)
        insert.bind(6, column)
        insert.bind(7, columnName)
        insert.bind(8, reason.isEmpty ? "rejected (no reason given)" : reason)
        insert.bind(9, text)
        switch try insert.step() {
        case .inserted: rejectedRows += 1
        case .duplicate, .refused:
            throw Diagnostic("cannot store the rejected row \(file):\(line): \(reason)")
        }
    }

    private static let duplicateTradeReasonPrefix = "duplicate figure: same period, reporter, partner, flow and hs_code as line "
    private static let duplicateTradeReasonSuffix = " of this file"

    private static func duplicateTradeReason(firstLine: Int?) -> String {
        duplicateTradeReasonPrefix + (firstLine.map(String.init) ?? "?") + duplicateTradeReasonSuffix
    }

    /// A readable rendering of a trade row, kept as the rejected row's text.
    private static func text(_ row: TradeRow) -> String {
        text(period: row.period.description, reporter: row.reporter, partner: row.partner, flow: row.flow.rawValue,
             hsCode: row.hsCode, quantityKg: row.quantityKg, valueUSD: row.valueUSD)
    }

    private static func text(period: String, reporter: String, partner: String, flow: String, hsCode: String,
                             quantityKg: Double?, valueUSD: Double?) -> String {
        // Appended into one buffer: a file of mostly repeats renders one text per row, and
        // interpolation's intermediate strings cost more than the rest of a rejected row.
        var text = "period="
        text.reserveCapacity(120)
        text += period
        text += " reporter="
        text += reporter
        text += " partner="
        text += partner
        text += " flow="
        text += flow
        text += " hs_code="
        text += hsCode
        text += " quantity_kg="
        if let quantityKg { text += quantityKg.description }
        text += " value_usd="
        if let valueUSD { text += valueUSD.description }
        return text
    }
}
