import Foundation
import CLibZ
import TradeCore
import ZIPFoundation

/// A worksheet of a workbook.
public struct XLSXSheet: Sendable, Hashable {
    public var name: String
    /// 1-based position in the workbook.
    public var index: Int
    /// Path of the sheet XML inside the ZIP (`xl/worksheets/sheet1.xml`).
    public var path: String
}

/// Reads an XLSX workbook without unpacking it: every part is streamed out of the ZIP
/// in chunks into `XMLStreamParser`, and sheet rows are handed over one at a time.
///
/// ZIP-bomb guard: each entry's declared uncompressed size, the sum over the archive,
/// and the bytes actually inflated (declared sizes can lie) are checked against `Limits`.
public final class XLSXReader {
    /// `A` → 0, `Z` → 25, `AA` → 26 from a cell reference such as `AB12`; nil if it has no letters.
    static func columnIndex(ofReference reference: String) -> Int? {
        var index = 0
        var letters = 0
        for u in reference.utf8 {
            switch u {
            case 65...90: index = index * 26 + Int(u - 64); letters += 1
            case 97...122: index = index * 26 + Int(u - 96); letters += 1
            default:
                return letters == 0 ? nil : index - 1
            }
        }
        return letters == 0 ? nil : index - 1
    }

    public struct Limits: Sendable {
        public var maxEntryBytes: UInt64
        public var maxTotalBytes: UInt64

        public init(maxEntryBytes: UInt64 = 512 << 20, maxTotalBytes: UInt64 = 2 << 30) {
            self.maxEntryBytes = maxEntryBytes
            self.maxTotalBytes = maxTotalBytes
        }
    }

    public let displayPath: String
    public let limits: Limits
    /// Workbook uses the 1904 date system (`workbookPr date1904`).
    public private(set) var date1904 = false
    public private(set) var sheets: [XLSXSheet] = []

    private let archive: Archive
    private var streamedTotal: UInt64 = 0
    private var sharedStringsCache: [String]?
    /// Path of the styles part (`xl/styles.xml`), nil when the workbook has none.
    private var stylesPath: String?
    private var dateStylesCache: [Bool]?

    public init(url: URL, displayPath: String, limits: Limits = Limits()) throws {
        self.displayPath = displayPath
        self.limits = limits
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw Diagnostic("not an XLSX (ZIP) file: \(error)", at: SourceLocation(file: displayPath, line: 1))
        }
        var total: UInt64 = 0
        for entry in archive {
            let size = UInt64(entry.uncompressedSize)
            if size > limits.maxEntryBytes {
                throw Diagnostic("ZIP entry \(entry.path) declares \(size) bytes uncompressed, over the limit of "
                                 + "\(limits.maxEntryBytes) (possible ZIP bomb)", at: SourceLocation(file: displayPath, line: 1))
            }
            total += size
        }
        if total > limits.maxTotalBytes {
            throw Diagnostic("ZIP entries declare \(total) bytes uncompressed in all, over the limit of "
                             + "\(limits.maxTotalBytes) (possible ZIP bomb)", at: SourceLocation(file: displayPath, line: 1))
        }
        try readWorkbook()
    }

    /// The sheet named `name`, else nil.
    public func sheet(named name: String) -> XLSXSheet? { sheets.first { $0.name == name } }

    /// Streams one ZIP entry into a SAX handler: inflating and checksumming run on a worker
    /// thread, libxml2 and the handler on this one (see `XMLStreamParser.parse`).
    func parse(entryAt path: String, handler: XMLStreamHandler) throws {
        guard let entry = archive[path] else {
            throw Diagnostic("XLSX part \(path) is missing", at: SourceLocation(file: displayPath, line: 1))
        }
        // The archive and `streamedTotal` are used by the input thread only while this call blocks.
        try XMLStreamParser.parse(displayPath: "\(displayPath)!\(path)", handler: handler) { send in
            try inflate(entry, send: send)
        }
    }

    /// Sends the inflated bytes of `entry`, bounded by `limits`, then checks its CRC-32 (zlib's;
    /// ZIPFoundation's own on Linux goes a byte at a time).
    private func inflate(_ entry: Entry, send: (Data) throws -> Void) throws {
        var streamed: UInt64 = 0
        var crc: uLong = 0
        do {
            _ = try archive.extract(entry, bufferSize: XMLStreamParser.chunkSize, skipCRC32: true) { data in
                data.withUnsafeBytes { crc = CLibZ.crc32(crc, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
                streamed += UInt64(data.count)
                streamedTotal += UInt64(data.count)
                if streamed > limits.maxEntryBytes || streamedTotal > limits.maxTotalBytes {
                    throw XMLStreamParser.InputFailure(
                        "ZIP entry \(entry.path) inflates past the limit of \(min(limits.maxEntryBytes, limits.maxTotalBytes)) "
                            + "bytes (declared \(entry.uncompressedSize); possible ZIP bomb)")
                }
                try send(data)
            }
        } catch let error as XMLStreamParser.InputFailure {
            throw error
        } catch let error as Diagnostic {
            throw error
        } catch let error as TwoThreadStream.ConsumerStopped {
            throw error
        } catch {
            throw XMLStreamParser.InputFailure("cannot read ZIP entry \(entry.path): \(error)")
        }
        if UInt32(truncatingIfNeeded: crc) != entry.checksum {
            throw XMLStreamParser.InputFailure("cannot read ZIP entry \(entry.path): its CRC-32 does not match (damaged file)")
        }
    }

    private func readWorkbook() throws {
        let workbook = WorkbookHandler()
        try parse(entryAt: "xl/workbook.xml", handler: workbook)
        date1904 = workbook.date1904
        var targets: [String: String] = [:]
        func partPath(_ target: String) -> String {
            target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        }
        if archive["xl/_rels/workbook.xml.rels"] != nil {
            let rels = RelationshipsHandler()
            try parse(entryAt: "xl/_rels/workbook.xml.rels", handler: rels)
            targets = rels.targets
            stylesPath = rels.stylesTarget.map(partPath)
        }
        if stylesPath.map({ archive[$0] == nil }) ?? true, archive["xl/styles.xml"] != nil { stylesPath = "xl/styles.xml" }
        sheets = workbook.sheets.enumerated().map { i, s in
            var path = "xl/worksheets/sheet\(i + 1).xml"
            if let rid = s.rid, let target = targets[rid] { path = partPath(target) }
            return XLSXSheet(name: s.name, index: i + 1, path: path)
        }
    }

    /// The shared strings table (rich-text runs concatenated, phonetic runs left out).
    public func sharedStrings() throws -> [String] {
        if let sharedStringsCache { return sharedStringsCache }
        var strings: [String] = []
        if archive["xl/sharedStrings.xml"] != nil {
            let handler = SharedStringsHandler()
            try parse(entryAt: "xl/sharedStrings.xml", handler: handler)
            strings = handler.strings
        }
        sharedStringsCache = strings
        return strings
    }

    /// Whether a number format code shows a date or time (`yyyy-mm`, `[h]:mm`), not a plain number.
    static func isDateFormatCode(_ code: String) -> Bool { StylesHandler.isDateCode(code) }

    /// For each cell format (`cellXfs` index, a cell's `s`), whether it shows a date or time: only such a
    /// cell's number is an Excel serial. Empty when the workbook has no styles part.
    public func dateStyles() throws -> [Bool] {
        if let dateStylesCache { return dateStylesCache }
        var styles: [Bool] = []
        if let stylesPath {
            let handler = StylesHandler()
            try parse(entryAt: stylesPath, handler: handler)
            styles = handler.cellFormats.map { handler.isDate(numFmtId: $0) }
        }
        dateStylesCache = styles
        return styles
    }

    /// Calls `body` with each row of the sheet that has cells: its 1-based row number, its cell
    /// texts by column position (A = 0), gaps filled with "", and the columns whose cell is a
    /// number styled as a date (an Excel serial). Numbers stay as written (`143000`); booleans
    /// become `TRUE`/`FALSE`.
    public func forEachRow(of sheet: XLSXSheet, _ body: @escaping (Int, [String], [Int]) throws -> Void) throws {
        let handler = SheetHandler(strings: try sharedStrings(), dateStyles: try dateStyles(),
                                   partPath: "\(displayPath)!\(sheet.path)", body: body)
        try parse(entryAt: sheet.path, handler: handler)
    }
}

/// Excel serial dates (days since 1899-12-30, with Lotus's phantom 1900-02-29).
public enum XLSXDate {
    /// (year, month, day) for a serial; `date1904` for workbooks using the 1904 system.
    public static func components(serial: Double, date1904: Bool = false) -> (year: Int, month: Int, day: Int)? {
        guard serial.isFinite, serial >= 1, serial < 2_958_466 else { return nil }
        var days = Int(serial.rounded(.down))
        if date1904 { days += 1462 }
        else if days < 60 { days += 1 } // before the phantom 29 Feb 1900
        // days since 1899-12-30 → civil date (H. Hinnant's algorithm, epoch shifted to 1970-01-01).
        let z = days - 25569 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// The month a serial falls in.
    public static func period(serial: Double, date1904: Bool = false) -> Period? {
        guard let c = components(serial: serial, date1904: date1904) else { return nil }
        return Period(year: c.year, month: c.month)
    }

    /// `YYYY-MM-DD`.
    public static func isoDate(serial: Double, date1904: Bool = false) -> String? {
        guard let c = components(serial: serial, date1904: date1904) else { return nil }
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year)-\(pad(c.month))-\(pad(c.day))"
    }
}

// MARK: part handlers

private final class WorkbookHandler: XMLStreamHandler {
    var sheets: [(name: String, rid: String?)] = []
    var date1904 = false

    func startElement(_ element: XMLStartElement) throws {
        let attributes = element.attributes
        if element.localName == "sheet" {
            sheets.append((attributes.value("name") ?? "Sheet\(sheets.count + 1)",
                           attributes.first { $0.localName == "id" && $0.prefix != nil }?.value ?? attributes.value("id")))
        } else if element.localName == "workbookPr" {
            let v = attributes.value("date1904")?.lowercased()
            date1904 = v == "1" || v == "true"
        }
    }

    func endElement(_ element: XMLEndElement) throws {}
}

private final class RelationshipsHandler: XMLStreamHandler {
    var targets: [String: String] = [:]
    /// The target of the relationship whose type is `…/styles`.
    var stylesTarget: String?

    func startElement(_ element: XMLStartElement) throws {
        if element.localName == "Relationship", let id = element.attributes.value("Id"),
           let target = element.attributes.value("Target") {
            targets[id] = target
            if element.attributes.value("Type")?.hasSuffix("/styles") == true { stylesTarget = target }
        }
    }

    func endElement(_ element: XMLEndElement) throws {}
}

private final class SharedStringsHandler: XMLStreamHandler {
    var strings: [String] = []
    private var current: [UInt8] = []
    private var inItem = false
    private var inText = false
    private var phonetic = 0

    func startElement(_ element: XMLStartElement) throws {
        let name = element.localName
        if name == "si" { inItem = true; current.removeAll(keepingCapacity: true) }
        else if name == "rPh" { phonetic += 1 }
        else if name == "t" { inText = inItem && phonetic == 0 }
    }

    func endElement(_ element: XMLEndElement) throws {
        let name = element.localName
        if name == "si" {
            strings.append(String(decoding: current, as: UTF8.self))
            inItem = false
        } else if name == "rPh" { phonetic -= 1 }
        else if name == "t" { inText = false }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if inText { current.append(contentsOf: bytes) }
    }
}

/// `xl/styles.xml`: the number format of each cell format (`cellXfs`) and the workbook's own
/// formats (`numFmts`), enough to tell which cell formats show dates.
private final class StylesHandler: XMLStreamHandler {
    /// `numFmtId` of each `cellXfs/xf`, in order (a cell's `s` indexes this list).
    var cellFormats: [Int] = []
    var formatCodes: [Int: String] = [:]
    private var inCellXfs = false

    /// Built-in formats that show dates or times (ECMA-376 §18.8.30; 27–36 and 50–58 are the
    /// East Asian date formats, e.g. `yyyy"年"m"月"`).
    private static let builtInDates: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    func startElement(_ element: XMLStartElement) throws {
        let name = element.localName
        if name == "cellXfs" {
            inCellXfs = true
        } else if name == "xf" && inCellXfs {
            cellFormats.append(element.attributes.value("numFmtId").flatMap { Int($0) } ?? 0)
        } else if name == "numFmt", let id = element.attributes.value("numFmtId").flatMap({ Int($0) }),
                  let code = element.attributes.value("formatCode") {
            formatCodes[id] = code
        }
    }

    func endElement(_ element: XMLEndElement) throws {
        if element.localName == "cellXfs" { inCellXfs = false }
    }

    func isDate(numFmtId id: Int) -> Bool {
        guard let code = formatCodes[id] else { return Self.builtInDates.contains(id) }
        return Self.isDateCode(code)
    }

    /// A format code shows a date or time when, outside quoted text, escaped characters and
    /// `[…]` sections (colours, locales, conditions), it has a y, m, d, h or s.
    static func isDateCode(_ code: String) -> Bool {
        var inQuotes = false, inBrackets = false, escaped = false
        for ch in code {
            if escaped { escaped = false; continue }
            if inQuotes { if ch == "\"" { inQuotes = false }; continue }
            if inBrackets { if ch == "]" { inBrackets = false }; continue }
            switch ch {
            case "\"": inQuotes = true
            case "[": inBrackets = true
            case "\\", "_", "*": escaped = true
            case "y", "Y", "m", "M", "d", "D", "h", "H", "s", "S": return true
            default: break
            }
        }
        return false
    }
}

private final class SheetHandler: XMLStreamHandler {
    let strings: [String]
    let dateStyles: [Bool]
    let partPath: String
    let body: (Int, [String], [Int]) throws -> Void

    // Touched on every cell by one parse, never re-entered: no run-time exclusivity checks.
    @exclusivity(unchecked) private var rowNumber = 0
    @exclusivity(unchecked) private var cells: [String] = []
    @exclusivity(unchecked) private var inRow = false
    @exclusivity(unchecked) private var column = -1
    /// The cell's `t` attribute: `s` shared string, `b` boolean, anything else as written.
    @exclusivity(unchecked) private var type: UInt8 = UInt8(ascii: "n")
    @exclusivity(unchecked) private var capturing = false
    @exclusivity(unchecked) private var inInline = false
    @exclusivity(unchecked) private var phonetic = 0
    /// The cell is a number (no `t`, or `t="n"`) with a date style: an Excel serial.
    @exclusivity(unchecked) private var isDateSerial = false
    /// Columns of this row's date serials.
    @exclusivity(unchecked) private var dateCells: [Int] = []
    private let text = ByteField()

    init(strings: [String], dateStyles: [Bool], partPath: String, body: @escaping (Int, [String], [Int]) throws -> Void) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.partPath = partPath
        self.body = body
    }

    /// A decimal integer from ASCII digits (nil for anything else, or more than 18 digits).
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var n = 0
        for b in bytes {
            let d = b &- 48
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }

    /// `A` → 0, `AB` → 27 from the letters a cell reference starts with (`AB12`); nil without letters.
    private static func column(_ reference: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0, letters = 0
        for u in reference {
            switch u {
            case 65...90: index = index * 26 + Int(u - 64); letters += 1
            case 97...122: index = index * 26 + Int(u - 96); letters += 1
            default: return letters == 0 ? nil : index - 1
            }
            if letters > 4 { return 1 << 20 }  // far beyond XFD: refused below
        }
        return letters == 0 ? nil : index - 1
    }

    func startElement(_ element: XMLStartElement) throws {
        let name = element.localName
        if name == "c" {
            guard inRow else { return }
            var reference: Int?
            type = UInt8(ascii: "n")
            var typeLength = 1
            var style = 0
            for a in element.attributes {
                if a.localName == "r" { reference = Self.column(a.rawValue) }
                else if a.localName == "t" {
                    typeLength = a.rawValue.count
                    type = a.rawValue.first ?? 0
                } else if a.localName == "s" {
                    style = Self.integer(a.rawValue) ?? 0
                }
            }
            isDateSerial = typeLength == 1 && type == UInt8(ascii: "n") && style < dateStyles.count && dateStyles[style]
            // Only the one-letter types `s` and `b` are decoded; `str`, `inlineStr`, `n`, `e` stay as written.
            if typeLength != 1 { type = UInt8(ascii: "n") }
            column = reference ?? column + 1
            text.removeAll()
        } else if name == "v" {
            capturing = true
        } else if name == "row" {
            inRow = true
            let r = element.attributes.first { $0.localName == "r" }
            if let r, !r.hasReference, let n = Self.integer(r.rawValue) { rowNumber = n }
            else if let r, let n = Int(r.value) { rowNumber = n }
            else { rowNumber += 1 }
            cells.removeAll(keepingCapacity: true)
            dateCells.removeAll(keepingCapacity: true)
            column = -1
        } else if name == "is" {
            inInline = true
        } else if name == "rPh" {
            phonetic += 1
        } else if name == "t" {
            if inInline && phonetic == 0 { capturing = true }
        }
    }

    func endElement(_ element: XMLEndElement) throws {
        let name = element.localName
        if name == "v" || name == "t" {
            capturing = false
        } else if name == "c" {
            guard inRow else { return }
            let value = try text.withBytes { try cellValue($0, line: element.line) }
            if column >= 16_384 {
                throw Diagnostic("cell column beyond XFD", at: SourceLocation(file: partPath, line: element.line))
            }
            // Gaps (cells not written) become "".
            while cells.count < column { cells.append("") }
            if column == cells.count { cells.append(value) } else { cells[column] = value }
            if isDateSerial && text.count > 0 { dateCells.append(column) }
        } else if name == "row" {
            inRow = false
            if !cells.isEmpty { try body(rowNumber, cells, dateCells) }
        } else if name == "is" {
            inInline = false
        } else if name == "rPh" {
            phonetic -= 1
        }
    }

    /// The text of the cell that ends, by its type: a shared string's text, `TRUE`/`FALSE`, else as written.
    private func cellValue(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws -> String {
        switch type {
        case UInt8(ascii: "s"):
            let i = Self.integer(bytes) ?? Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
            guard let i, i >= 0, i < strings.count else {
                throw Diagnostic("cell refers to shared string \"\(String(decoding: bytes, as: UTF8.self))\" but the table has \(strings.count)",
                                 at: SourceLocation(file: partPath, line: line))
            }
            return strings[i]
        case UInt8(ascii: "b") where bytes.count == 1 && (bytes[0] == UInt8(ascii: "1") || bytes[0] == UInt8(ascii: "0")):
            return bytes[0] == UInt8(ascii: "1") ? "TRUE" : "FALSE"
        default:
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if capturing { text.append(bytes) }
    }
}
