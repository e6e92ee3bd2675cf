import Foundation
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

    /// Streams one ZIP entry into a SAX handler.
    func parse(entryAt path: String, handler: XMLStreamHandler) throws {
        guard let entry = archive[path] else {
            throw Diagnostic("XLSX part \(path) is missing", at: SourceLocation(file: displayPath, line: 1))
        }
        let partPath = "\(displayPath)!\(path)"
        let parser = XMLStreamParser(displayPath: partPath, handler: handler)
        var streamed: UInt64 = 0
        do {
            _ = try archive.extract(entry, bufferSize: XMLStreamParser.chunkSize, skipCRC32: false) { data in
                streamed += UInt64(data.count)
                self.streamedTotal += UInt64(data.count)
                if streamed > self.limits.maxEntryBytes || self.streamedTotal > self.limits.maxTotalBytes {
                    throw Diagnostic("ZIP entry \(path) inflates past the limit of \(min(self.limits.maxEntryBytes, self.limits.maxTotalBytes)) "
                                     + "bytes (declared \(entry.uncompressedSize); possible ZIP bomb)",
                                     at: SourceLocation(file: partPath, line: parser.currentLine))
                }
                try parser.feed(data)
            }
        } catch let d as Diagnostic {
            throw d
        } catch {
            throw Diagnostic("cannot read ZIP entry \(path): \(error)", at: SourceLocation(file: partPath, line: parser.currentLine))
        }
        try parser.finish()
    }

    private func readWorkbook() throws {
        let workbook = WorkbookHandler()
        try parse(entryAt: "xl/workbook.xml", handler: workbook)
        date1904 = workbook.date1904
        var targets: [String: String] = [:]
        if archive["xl/_rels/workbook.xml.rels"] != nil {
            let rels = RelationshipsHandler()
            try parse(entryAt: "xl/_rels/workbook.xml.rels", handler: rels)
            targets = rels.targets
        }
        sheets = workbook.sheets.enumerated().map { i, s in
            var path = "xl/worksheets/sheet\(i + 1).xml"
            if let rid = s.rid, let target = targets[rid] {
                path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
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

    /// Calls `body` with each row of the sheet that has cells: its 1-based row number and
    /// its cell texts by column position (A = 0), gaps filled with "".
    /// Numbers stay as written (`143000`); booleans become `TRUE`/`FALSE`.
    public func forEachRow(of sheet: XLSXSheet, _ body: @escaping (Int, [String]) throws -> Void) throws {
        let handler = SheetHandler(strings: try sharedStrings(), partPath: "\(displayPath)!\(sheet.path)", body: body)
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

    func startElement(localName: String, prefix: String?, attributes: [XMLAttribute], line: Int) throws {
        switch localName {
        case "sheet":
            sheets.append((attributes.value("name") ?? "Sheet\(sheets.count + 1)",
                           attributes.first { $0.localName == "id" && $0.prefix != nil }?.value ?? attributes.value("id")))
        case "workbookPr":
            let v = attributes.value("date1904")?.lowercased()
            date1904 = v == "1" || v == "true"
        default: break
        }
    }

    func endElement(localName: String, prefix: String?, line: Int) throws {}
}

private final class RelationshipsHandler: XMLStreamHandler {
    var targets: [String: String] = [:]

    func startElement(localName: String, prefix: String?, attributes: [XMLAttribute], line: Int) throws {
        if localName == "Relationship", let id = attributes.value("Id"), let target = attributes.value("Target") {
            targets[id] = target
        }
    }

    func endElement(localName: String, prefix: String?, line: Int) throws {}
}

private final class SharedStringsHandler: XMLStreamHandler {
    var strings: [String] = []
    private var current: [UInt8] = []
    private var inItem = false
    private var inText = false
    private var phonetic = 0

    func startElement(localName: String, prefix: String?, attributes: [XMLAttribute], line: Int) throws {
        switch localName {
        case "si": inItem = true; current.removeAll(keepingCapacity: true)
        case "rPh": phonetic += 1
        case "t": inText = inItem && phonetic == 0
        default: break
        }
    }

    func endElement(localName: String, prefix: String?, line: Int) throws {
        switch localName {
        case "si":
            strings.append(String(decoding: current, as: UTF8.self))
            inItem = false
        case "rPh": phonetic -= 1
        case "t": inText = false
        default: break
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if inText { current.append(contentsOf: bytes) }
    }
}

private final class SheetHandler: XMLStreamHandler {
    let strings: [String]
    let partPath: String
    let body: (Int, [String]) throws -> Void

    private var rowNumber = 0
    private var cells: [String] = []
    private var inRow = false
    private var column = -1
    private var type = ""
    private var capturing = false
    private var inInline = false
    private var phonetic = 0
    private var text: [UInt8] = []

    init(strings: [String], partPath: String, body: @escaping (Int, [String]) throws -> Void) {
        self.strings = strings
        self.partPath = partPath
        self.body = body
    }

    func startElement(localName: String, prefix: String?, attributes: [XMLAttribute], line: Int) throws {
        switch localName {
        case "row":
            inRow = true
            rowNumber = attributes.value("r").flatMap { Int($0) } ?? rowNumber + 1
            cells.removeAll(keepingCapacity: true)
            column = -1
        case "c" where inRow:
            column = attributes.value("r").flatMap(XLSXReader.columnIndex(ofReference:)) ?? column + 1
            type = attributes.value("t") ?? "n"
            text.removeAll(keepingCapacity: true)
        case "v":
            capturing = true
        case "is":
            inInline = true
        case "rPh":
            phonetic += 1
        case "t" where inInline && phonetic == 0:
            capturing = true
        default: break
        }
    }

    func endElement(localName: String, prefix: String?, line: Int) throws {
        switch localName {
        case "v", "t": capturing = false
        case "is": inInline = false
        case "rPh": phonetic -= 1
        case "c" where inRow:
            let raw = String(decoding: text, as: UTF8.self)
            let value: String
            switch type {
            case "s":
                guard let i = Int(raw.trimmingCharacters(in: .whitespaces)), i >= 0, i < strings.count else {
                    throw Diagnostic("cell refers to shared string \"\(raw)\" but the table has \(strings.count)",
                                     at: SourceLocation(file: partPath, line: line))
                }
                value = strings[i]
            case "b": value = raw == "1" ? "TRUE" : (raw == "0" ? "FALSE" : raw)
            default: value = raw
            }
            if column >= 16_384 {
                throw Diagnostic("cell column beyond XFD", at: SourceLocation(file: partPath, line: line))
            }
            if column >= cells.count { cells.append(contentsOf: repeatElement("", count: column - cells.count + 1)) }
            cells[column] = value
        case "row":
            inRow = false
            if !cells.isEmpty { try body(rowNumber, cells) }
        default: break
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if capturing { text.append(contentsOf: bytes) }
    }
}
