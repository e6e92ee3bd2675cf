import Foundation
import TradeCore

/// The warehouse's current trade rows, partitioned by code family into an unlinked temporary file,
/// so detection reads the warehouse once in table order instead of sorting it by family.
///
/// Rows are appended as they are read (any order) and encoded into a buffer per family; a full
/// buffer is written to the file as one chunk, so memory holds one buffer per family whatever the
/// number of rows. `forEachRow(inFamily:)` then reads back one family's chunks. A family is what
/// `TradeCube.family` says of the code: its first four digits, or a shorter code itself.
public final class FamilySpill {
    private let file: TemporaryFile
    /// Per family (numbered in the order first seen): its buffer and the chunks written.
    private var numbers: [String: Int] = [:]
    private var pending: [[UInt8]] = []
    private var chunks: [[(offset: Int64, count: Int)]] = []
    /// Rows added.
    public private(set) var rows = 0

    /// Bytes a family's buffer holds before it is written out.
    static let chunkBytes = 32 << 10

    public init() throws {
        file = try TemporaryFile(for: "detection's rows")
    }

    /// Keeps one row of `source`, read from raw file `file`.
    public func add(_ row: TradeRow, source: String, file: Int64) throws {
        let family = TradeCube.family(row.hsCode)
        let number: Int
        if let known = numbers[family] {
            number = known
        } else {
            number = pending.count
            numbers[family] = number
            pending.append(Self.newBuffer())
            chunks.append([])
        }
        Self.encode(row, source: source, file: file, into: &pending[number])
        rows += 1
        if pending[number].count >= Self.chunkBytes {
            try writeChunk(number)
        }
    }

    /// The families holding rows, in code order.
    public var families: [String] { numbers.keys.sorted() }

    /// Visits every row of `family` (in the order added).
    public func forEachRow(inFamily family: String, _ body: (TradeRow, _ source: String, _ file: Int64) throws -> Void) throws {
        guard let number = numbers[family] else { return }
        for chunk in chunks[number] {
            try Self.decode(try file.read(chunk), body)
        }
        try Self.decode(pending[number], body)
    }

    // MARK: - File

    private static func newBuffer() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(chunkBytes + 512)
        return buffer
    }

    private func writeChunk(_ number: Int) throws {
        chunks[number].append(try pending[number].withUnsafeBytes { try file.append($0) })
        pending[number].removeAll(keepingCapacity: true)
    }

    // MARK: - Encoding

    /// Flags byte: which optional fields follow, and the quantity estimate.
    private static let hasQuantity: UInt8 = 1, hasValue: UInt8 = 2, hasEdition: UInt8 = 4, estimated: UInt8 = 8

    private static func encode(_ row: TradeRow, source: String, file: Int64, into out: inout [UInt8]) {
        var flags: UInt8 = row.quantityEstimated ? estimated : 0
        if row.quantityKg != nil { flags |= hasQuantity }
        if row.valueUSD != nil { flags |= hasValue }
        if row.hsEdition != nil { flags |= hasEdition }
        out.append(flags)
        appendInteger(Int64(row.period.year), to: &out)
        out.append(UInt8(row.period.month ?? 0))
        appendText(source, to: &out)
        appendText(row.reporter, to: &out)
        appendText(row.partner, to: &out)
        appendText(row.flow.rawValue, to: &out)
        appendText(row.hsCode, to: &out)
        if let edition = row.hsEdition { appendText(edition, to: &out) }
        if let kg = row.quantityKg { appendInteger(Int64(bitPattern: kg.bitPattern), to: &out) }
        if let usd = row.valueUSD { appendInteger(Int64(bitPattern: usd.bitPattern), to: &out) }
        appendText(row.valuation.rawValue, to: &out)
        appendInteger(Int64(row.rawLine), to: &out)
        appendInteger(file, to: &out)
    }

    private static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func appendText(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            // Lengths up to 65 535 bytes (codes, names and periods are far shorter).
            let count = min(bytes.count, Int(UInt16.max))
            withUnsafeBytes(of: UInt16(count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes.prefix(count))
        }
    }

    private static func decode(_ bytes: [UInt8], _ body: (TradeRow, String, Int64) throws -> Void) throws {
        try bytes.withUnsafeBytes { raw in
            var reader = Reader(raw: raw)
            while reader.position < raw.count {
                let flags = reader.byte()
                let year = Int(reader.integer()), month = Int(reader.byte())
                let source = reader.text(), reporter = reader.text(), partner = reader.text()
                let flowText = reader.text(), code = reader.text()
                let edition = flags & hasEdition != 0 ? reader.text() : nil
                let kg = flags & hasQuantity != 0 ? Double(bitPattern: UInt64(bitPattern: reader.integer())) : nil
                let usd = flags & hasValue != 0 ? Double(bitPattern: UInt64(bitPattern: reader.integer())) : nil
                let valuationText = reader.text()
                let line = Int(reader.integer()), file = reader.integer()
                guard let flow = Flow(rawValue: flowText), let valuation = Valuation(rawValue: valuationText) else {
                    throw Diagnostic("detection's temporary file holds an unknown flow or valuation (\(flowText), \(valuationText))")
                }
                let row = TradeRow(period: Period(year: year, month: month == 0 ? nil : month), reporter: reporter,
                                   partner: partner, flow: flow, hsCode: code, hsEdition: edition, quantityKg: kg,
                                   valueUSD: usd, valuation: valuation, quantityEstimated: flags & estimated != 0,
                                   rawLine: line)
                try body(row, source, file)
            }
        }
    }

    /// Reads what `encode` wrote, front to back.
    private struct Reader {
        let raw: UnsafeRawBufferPointer
        var position = 0

        mutating func byte() -> UInt8 {
            defer { position += 1 }
            return raw[position]
        }

        mutating func integer() -> Int64 {
            defer { position += 8 }
            return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: Int64.self))
        }

        mutating func text() -> String {
            let count = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt16.self)))
            defer { position += 2 + count }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[(position + 2)..<(position + 2 + count)]), as: UTF8.self)
        }
    }
}
