import Foundation
import Testing
import TradeCore
import TradeTestSupport
@testable import TradeIngest

private func decodeAll(_ url: URL, declared: String, chunk: Int) throws -> (String, TextEncoding) {
    let t = try Transcoder(url: url, declared: declared, display: "x.csv", chunkSize: chunk)
    var out = [UInt8](repeating: 0, count: 16)
    var bytes: [UInt8] = []
    while true {
        let n = try t.read(into: &out)
        if n == 0 { break }
        bytes += out[0..<n]
    }
    return (String(decoding: bytes, as: UTF8.self), t.encoding)
}

private func utf8Text() throws -> String {
    try String(contentsOf: TestSupport.fixture("china/customs-export-monthly.utf8.csv"), encoding: .utf8)
}

@Test(arguments: [1, 2, 3, 5, 64, 1 << 16])
func gb18030DecodesAcrossChunkBoundaries(chunk: Int) throws {
    let (text, encoding) = try decodeAll(TestSupport.fixture("china/customs-export-monthly.gb18030.csv"), declared: "auto", chunk: chunk)
    #expect(encoding == .gb18030)
    #expect(try text == utf8Text())
}

@Test func autoDetection() throws {
    #expect(try TextEncodingDetector.detect(url: TestSupport.fixture("china/customs-export-monthly.utf8.csv"),
                                            declared: "auto", display: "x").0 == .utf8)
    let bom = try TextEncodingDetector.detect(url: TestSupport.fixture("china/customs-import-202403.csv"), declared: "auto", display: "x")
    #expect(bom.0 == .utf8 && bom.bomLength == 3)
    #expect(try TextEncodingDetector.detect(url: TestSupport.fixture("china/customs-export-monthly.gb18030.csv"),
                                            declared: "gbk", display: "x").0 == .gb18030)
}

@Test(arguments: [false, true])
func utf16WithBOMIsTranscoded(bigEndian: Bool) throws {
    let text = "商品编码,贸易伙伴名称\n28469014,新加坡\n"
    var bytes: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
    for unit in text.utf16 {
        let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        bytes += bigEndian ? pair.reversed() : pair
    }
    let url = try TestSupport.temporaryFile(bytes)
    let (decoded, encoding) = try decodeAll(url, declared: "auto", chunk: 3)
    #expect(encoding == (bigEndian ? .utf16BE : .utf16LE))
    #expect(decoded == text)
    let reader = try CSVReader(url: url, display: "x.csv")
    #expect(try reader.readHeader()?.fields == ["商品编码", "贸易伙伴名称"])
}

@Test func invalidGB18030IsLocated() throws {
    let url = try TestSupport.temporaryFile([0x61, 0x2C, 0x62, 0x0A, 0x81, 0x20, 0x2C, 0x63, 0x0A])
    let d = diagnostic { _ = try decodeAll(url, declared: "gb18030", chunk: 64) }
    #expect(d?.message == "cannot decode x.csv as GB18030 at byte 4: invalid byte sequence")
    #expect(d?.location == SourceLocation(file: "x.csv", line: 2))
}

@Test func truncatedGB18030CharacterAtEndIsLocated() throws {
    // "a\n" then the first byte of a two-byte character.
    let url = try TestSupport.temporaryFile([0x61, 0x0A, 0xD1])
    let d = diagnostic { _ = try decodeAll(url, declared: "gb18030", chunk: 64) }
    #expect(d?.message == "cannot decode x.csv as GB18030 at byte 2: incomplete character at end of file")
}

@Test func invalidUTF8DeclaredIsLocated() throws {
    let url = try TestSupport.temporaryFile([0x61, 0x0A, 0x62, 0xFF, 0x0A])
    let d = diagnostic { _ = try decodeAll(url, declared: "utf-8", chunk: 64) }
    #expect(d?.message == "cannot decode x.csv as UTF-8 at byte 3: invalid byte sequence")
    #expect(d?.location == SourceLocation(file: "x.csv", line: 2))
}

@Test func utf8ValidatorHandlesSplitSequences() {
    let bytes = Array("氧化铕€𝄞".utf8)
    for split in 0...bytes.count {
        var v = UTF8Validator()
        let a = bytes.withUnsafeBufferPointer { v.feed(UnsafeBufferPointer(rebasing: $0[0..<split])) }
        let b = bytes.withUnsafeBufferPointer { v.feed(UnsafeBufferPointer(rebasing: $0[split...])) }
        #expect(a == nil && b == nil && v.finish() == nil)
    }
    var bad = UTF8Validator()
    let badAt = [UInt8]([0x61, 0xC0, 0x80]).withUnsafeBufferPointer { bad.feed($0) }
    #expect(badAt == 1)
}

@Test(arguments: [1, 2, 3, 4, 5])
func fourByteGB18030CharacterSplitAcrossChunks(chunk: Int) throws {
    // "𠀀,€,铕\n" in GB18030: a four-byte, a two-byte and a two-byte character.
    let url = try TestSupport.temporaryFile([149, 50, 130, 54, 44, 162, 227, 44, 238, 240, 10])
    let (text, _) = try decodeAll(url, declared: "gb18030", chunk: chunk)
    #expect(text == "𠀀,€,铕\n")
}

@Test(arguments: [64, 1 << 16])
func aUTF8FileWithOneGB18030LineIsRefusedAtThatLine(chunk: Int) throws {
    let utf8 = try Data(contentsOf: TestSupport.fixture("china/customs-export-monthly.utf8.csv")).split(separator: 0x0A)
    let gb = try Data(contentsOf: TestSupport.fixture("china/customs-export-monthly.gb18030.csv")).split(separator: 0x0A)
    // The header and 499 UTF-8 data lines, then one GB18030 line (501) and a UTF-8 one.
    var bytes = Array(utf8[0]) + [0x0A]
    for i in 0..<499 { bytes += Array(utf8[1 + i % (utf8.count - 1)]) + [0x0A] }
    let lineStart = bytes.count
    bytes += Array(gb[1]) + [0x0A] + Array(utf8[1]) + [0x0A]
    let url = try TestSupport.temporaryFile(bytes)
    let d = diagnostic { _ = try decodeAll(url, declared: "auto", chunk: chunk) }
    #expect(d?.location == SourceLocation(file: "x.csv", line: 501))
    let offset = d.flatMap { Int($0.message.split(separator: " ")[7].dropLast()) } ?? -1
    #expect(offset >= lineStart && offset < lineStart + gb[1].count, "\(d?.message ?? "")")
    #expect(d?.message == "cannot decode x.csv as UTF-8 at byte \(offset): invalid byte sequence "
            + "(the bytes before it are UTF-8: a line saved in another encoding, such as GB18030?)")
    // A GB18030 file with a bad byte further on is still reported as GB18030, where that byte is.
    let invalidGB = Array(gb[0]) + [0x0A] + Array(gb[1]) + [0x0A, 0x81, 0x20, 0x0A]
    let bad = diagnostic { _ = try decodeAll(try TestSupport.temporaryFile(invalidGB), declared: "auto", chunk: chunk) }
    #expect(bad?.message == "cannot decode x.csv as GB18030 at byte \(gb[0].count + gb[1].count + 2): invalid byte sequence")
    #expect(bad?.location?.line == 3)
}
