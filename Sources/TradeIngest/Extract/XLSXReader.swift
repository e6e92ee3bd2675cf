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

    /// Streams one ZIP entry into a SAX handler: inflating, checksumming and libxml2 run on a worker
    /// thread, the handler on this one (see `XMLStreamParser.parse`).
    func parse(entryAt path: String, handler: XMLStreamHandler) throws {
        guard let entry = archive[path] else {
            throw Diagnostic("XLSX part \(path) is missing", at: SourceLocation(file: displayPath, line: 1))
        }
        let partPath = "\(displayPath)!\(path)"
        // The archive and `streamedTotal` are used by the parsing thread only while this call blocks.
        try XMLStreamParser.parse(displayPath: partPath, handler: handler, engine: .scanner) { parser in
            var streamed: UInt64 = 0
            // The checksum is ours (`ZipCRC32`, faster than ZIPFoundation's) and checked after the last byte.
            var crc = ZipCRC32()
            do {
                _ = try archive.extract(entry, bufferSize: XMLStreamParser.chunkSize, skipCRC32: true) { data in
                    data.withUnsafeBytes { crc.update($0) }
                    streamed += UInt64(data.count)
                    self.streamedTotal += UInt64(data.count)
                    if streamed > self.limits.maxEntryBytes || self.streamedTotal > self.limits.maxTotalBytes {
                        throw Diagnostic("ZIP entry \(path) inflates past the limit of \(min(self.limits.maxEntryBytes, self.limits.maxTotalBytes)) "
                                         + "bytes (declared \(entry.uncompressedSize); possible ZIP bomb)",
                                         at: SourceLocation(file: partPath, line: parser.currentLine))
                    }
                    try parser.feed(data)
                }
            } catch let error as Diagnostic {
                throw error
            } catch let error as Pipelined.PipelineCancelled {
                throw error
            } catch {
                throw Diagnostic("cannot read ZIP entry \(path): \(error)", at: SourceLocation(file: partPath, line: parser.currentLine))
            }
            if crc.value != entry.checksum {
                throw Diagnostic("cannot read ZIP entry \(path): its CRC-32 does not match (damaged file)",
                                 at: SourceLocation(file: partPath, line: parser.currentLine))
            }
        }
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

    func startElement(_ element: XMLStartElement) throws {
        if element.localName == "Relationship", let id = element.attributes.value("Id"),
           let target = element.attributes.value("Target") {
            targets[id] = target
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

private final class SheetHandler: XMLStreamHandler {
    let strings: [String]
    let partPath: String
    let body: (Int, [String]) throws -> Void

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
    private let text = ByteField()

    init(strings: [String], partPath: String, body: @escaping (Int, [String]) throws -> Void) {
        self.strings = strings
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
            for a in element.attributes {
                if a.localName == "r" { reference = Self.column(a.rawValue) }
                else if a.localName == "t" {
                    typeLength = a.rawValue.count
                    type = a.rawValue.first ?? 0
                }
            }
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
            let value: String
            let bytes = text.bytes
            switch type {
            case UInt8(ascii: "s"):
                let i = Self.integer(bytes) ?? Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                guard let i, i >= 0, i < strings.count else {
                    throw Diagnostic("cell refers to shared string \"\(String(decoding: bytes, as: UTF8.self))\" but the table has \(strings.count)",
                                     at: SourceLocation(file: partPath, line: element.line))
                }
                value = strings[i]
            case UInt8(ascii: "b") where bytes.count == 1 && (bytes[0] == UInt8(ascii: "1") || bytes[0] == UInt8(ascii: "0")):
                value = bytes[0] == UInt8(ascii: "1") ? "TRUE" : "FALSE"
            default:
                value = String(decoding: bytes, as: UTF8.self)
            }
            if column >= 16_384 {
                throw Diagnostic("cell column beyond XFD", at: SourceLocation(file: partPath, line: element.line))
            }
            // Gaps (cells not written) become "".
            while cells.count < column { cells.append("") }
            if column == cells.count { cells.append(value) } else { cells[column] = value }
        } else if name == "row" {
            inRow = false
            if !cells.isEmpty { try body(rowNumber, cells) }
        } else if name == "is" {
            inInline = false
        } else if name == "rPh" {
            phonetic -= 1
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        if capturing { text.append(bytes) }
    }
}
