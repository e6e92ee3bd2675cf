import Foundation
import Testing
import TradeCore
import TradeTestSupport
@testable import TradeIngest

private func records(_ text: String, chunk: Int) throws -> [CSVRecord] {
    let reader = CSVReader(source: MemoryChunkSource(text, chunkSize: chunk), display: "t.csv", bufferSize: 16)
    var out: [CSVRecord] = []
    try reader.forEach { out.append($0) }
    return out
}

struct CSVCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: String
    var fields: [[String]]
    var lines: [Int]
    var testDescription: String { name }
}

private let cases: [CSVCase] = [
    CSVCase(name: "CRLF", input: "a,b\r\nc,d\r\n", fields: [["a", "b"], ["c", "d"]], lines: [1, 2]),
    CSVCase(name: "lone CR", input: "a,b\rc,d", fields: [["a", "b"], ["c", "d"]], lines: [1, 2]),
    CSVCase(name: "LF, no final newline", input: "last,no newline", fields: [["last", "no newline"]], lines: [1]),
    CSVCase(name: "quoted comma and doubled quotes", input: "\"x,y\",\"he said \"\"hi\"\"\"\n",
            fields: [["x,y", "he said \"hi\""]], lines: [1]),
    CSVCase(name: "embedded LF keeps start line", input: "\"multi\nline\",z\nnext,1\n",
            fields: [["multi\nline", "z"], ["next", "1"]], lines: [1, 3]),
    CSVCase(name: "embedded CRLF", input: "\"multi\r\nline\",z\r\nn,1", fields: [["multi\r\nline", "z"], ["n", "1"]], lines: [1, 3]),
    CSVCase(name: "trailing empty columns", input: "a,b,,\n", fields: [["a", "b", "", ""]], lines: [1]),
    CSVCase(name: "blank and all-comma rows", input: ",,,\n\nx\n", fields: [["", "", "", ""], [""], ["x"]], lines: [1, 2, 3]),
    CSVCase(name: "BOM stripped", input: "\u{FEFF}h1,h2\n", fields: [["h1", "h2"]], lines: [1]),
    CSVCase(name: "empty quoted field", input: "a,\"\"\n", fields: [["a", ""]], lines: [1]),
    CSVCase(name: "empty input", input: "", fields: [], lines: []),
    CSVCase(name: "quote inside unquoted field is literal", input: "ab\"c,d\n", fields: [["ab\"c", "d"]], lines: [1]),
    CSVCase(name: "UTF-8 split across chunks", input: "氧化铕,新加坡\n稀土,德国\n", fields: [["氧化铕", "新加坡"], ["稀土", "德国"]], lines: [1, 2]),
    CSVCase(name: "CRLF then blank CRLF", input: "a\r\n\r\nb\r\n", fields: [["a"], [""], ["b"]], lines: [1, 2, 3]),
]

@Test(arguments: cases, [1, 2, 3, 7, 1 << 16])
func csvEdgeCases(_ c: CSVCase, chunk: Int) throws {
    let got = try records(c.input, chunk: chunk)
    #expect(got.map(\.fields) == c.fields)
    #expect(got.map(\.line) == c.lines)
}

@Test func rawTextIsTheRecordAsRead() throws {
    let got = try records("a,\"b,c\"\r\nx,y\n", chunk: 3)
    #expect(got.map(\.rawText) == ["a,\"b,c\"", "x,y"])
    #expect(got[0].isBlank == false)
    #expect(try records(",,,\n", chunk: 5)[0].isBlank)
}

@Test func headerDropsTrailingEmptyNamesAndSkipsBlankRows() throws {
    let reader = CSVReader(source: MemoryChunkSource("\n,,\nSource, Country ,Prod_t_2020,,,\n1,2,3,,,\n"), display: "t.csv")
    let header = try #require(try reader.readHeader())
    #expect(header.fields == ["Source", "Country", "Prod_t_2020"])
    #expect(header.line == 3)
    #expect(try reader.next()?.fields == ["1", "2", "3", "", "", ""])
}

@Test(arguments: [1, 4, 1 << 16])
func unterminatedQuoteIsTruncatedMidRow(chunk: Int) {
    let reader = CSVReader(source: MemoryChunkSource("h1,h2\nok,1\nx,\"open\nmore", chunkSize: chunk), display: "Raw/t.csv")
    let d = diagnostic { try reader.forEach { _ in } }
    #expect(d?.location == SourceLocation(file: "Raw/t.csv", line: 3, column: 3))
    #expect(d?.message.hasPrefix("truncated mid-row") == true)
}

@Test func recordLongerThanLimitIsAnError() {
    let long = String(repeating: "x", count: 100)
    let reader = CSVReader(source: MemoryChunkSource("a,b\nshort,1\n\(long),2\n", chunkSize: 7), display: "Raw/t.csv",
                           limits: .init(maxRecordBytes: 50, maxColumns: 10))
    let d = diagnostic { try reader.forEach { _ in } }
    #expect(d?.location == SourceLocation(file: "Raw/t.csv", line: 3))
    #expect(d?.message.contains("longer than 50 bytes") == true)
}

@Test func unclosedQuoteOnHugeInputStopsAtTheLimit() {
    // An open quote would swallow the rest of the file: the limit stops it.
    let body = "a,\"" + String(repeating: "y,", count: 5000)
    let reader = CSVReader(source: MemoryChunkSource(body, chunkSize: 512), display: "Raw/t.csv",
                           limits: .init(maxRecordBytes: 1000, maxColumns: 10))
    let d = diagnostic { try reader.forEach { _ in } }
    #expect(d?.location?.line == 1)
    #expect(d?.message.contains("longer than 1000 bytes") == true)
}

@Test func tooManyColumnsIsAnError() {
    let reader = CSVReader(source: MemoryChunkSource("a,b\n1,2,3,4,5\n"), display: "Raw/t.csv",
                           limits: .init(maxRecordBytes: 1000, maxColumns: 4))
    let d = diagnostic { try reader.forEach { _ in } }
    #expect(d?.location == SourceLocation(file: "Raw/t.csv", line: 2))
    #expect(d?.message.contains("more than 4 columns") == true)
}

@Test func nulByteIsLocated() {
    let reader = CSVReader(source: MemoryChunkSource(Array("a,b\nxy,z\u{0}w\n".utf8)), display: "Raw/t.csv")
    let d = diagnostic { try reader.forEach { _ in } }
    #expect(d?.location == SourceLocation(file: "Raw/t.csv", line: 2, column: 5))
    #expect(d?.message.hasPrefix("NUL byte in field 2") == true)
}

@Test func streamsALargeFileRowByRow() throws {
    var text = "a,b,c\n"
    for i in 0..<20000 { text += "\(i),\"v,\(i)\",x\n" }
    let url = try TestSupport.temporaryFile(text)
    let reader = try CSVReader(url: url, display: "big.csv")
    _ = try reader.readHeader()
    var count = 0
    var last: CSVRecord?
    try reader.forEach { count += 1; last = $0 }
    #expect(count == 20000)
    #expect(last?.fields == ["19999", "v,19999", "x"])
    #expect(last?.line == 20001)
}
