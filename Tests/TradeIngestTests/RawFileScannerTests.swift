import Foundation
import Testing
import TradeConfig
import TradeCore
import TradeTestSupport
@testable import TradeIngest

@Test(arguments: [
    ("china-customs/*.csv", "china-customs/a.csv", true),
    ("china-customs/*.csv", "china-customs/sub/b.csv", false),
    ("china-customs/**/*.csv", "china-customs/a.csv", true),
    ("china-customs/**/*.csv", "china-customs/sub/deeper/b.csv", true),
    ("china-customs/*.csv", "china-customs/.hidden.csv", false),
    ("usgs-mcs/*_world.csv", "usgs-mcs/mcs2022-raree_world.csv", true),
    ("usgs-mcs/*raree_salient.csv", "usgs-mcs/MCS2024_T5_Critical_Minerals_Salient.csv", false),
    ("hs/harmonized-system.csv", "hs/harmonized-system.csv", true),
    ("x/??.csv", "x/ab.csv", true),
    ("x/??.csv", "x/abc.csv", false),
    ("x/出口?.csv", "x/出口一.csv", true),
])
func globMatching(pattern: String, path: String, matches: Bool) {
    #expect(GlobPattern(pattern).matches(path) == matches)
}

@Test func scannerFindsHashesAndRefusesEscapes() throws {
    let fm = FileManager.default
    let base = fm.temporaryDirectory.appendingPathComponent("tw-scan-\(UUID().uuidString)")
    let raw = base.appendingPathComponent("Raw")
    try fm.createDirectory(at: raw.appendingPathComponent("china-customs/sub"), withIntermediateDirectories: true)
    try fm.createDirectory(at: raw.appendingPathComponent("other"), withIntermediateDirectories: true)
    try Data("abc".utf8).write(to: raw.appendingPathComponent("china-customs/a.csv"))
    try Data("x".utf8).write(to: raw.appendingPathComponent("china-customs/sub/b.csv"))
    try Data("x".utf8).write(to: raw.appendingPathComponent("china-customs/.hidden.csv"))
    try Data("x".utf8).write(to: raw.appendingPathComponent("other/c.csv"))
    try Data("secret".utf8).write(to: base.appendingPathComponent("outside.csv"))
    try fm.createSymbolicLink(at: raw.appendingPathComponent("china-customs/evil.csv"),
                              withDestinationURL: base.appendingPathComponent("outside.csv"))
    try fm.createSymbolicLink(at: raw.appendingPathComponent("china-customs/fine.csv"),
                              withDestinationURL: raw.appendingPathComponent("other/c.csv"))

    let def = SourceDefinition(name: "china", definitionFile: "Pipelines/china.yaml", format: .chinaCustomsCSV,
                               patterns: ["china-customs/**/*.csv"],
                               keyLocations: ["files": SourceLocation(file: "Pipelines/china.yaml", line: 3, column: 1)])
    let scan = try RawFileScanner.scan(def, rawDirectory: raw, rawDisplay: "Raw")
    #expect(scan.files.map(\.relativePath) == ["china-customs/a.csv", "china-customs/fine.csv", "china-customs/sub/b.csv"])
    #expect(scan.files[0].file.displayPath == "Raw/china-customs/a.csv")
    #expect(scan.files[0].size == 3)
    #expect(scan.files[0].sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(scan.skipped.count == 1)
    #expect(scan.skipped.first?.location == SourceLocation(file: "Raw/china-customs/evil.csv", line: 1))
    #expect(scan.skipped.first?.message.contains("outside the raw directory") == true)

    for bad in ["../secret/*.csv", "/etc/*.conf"] {
        var escaping = def
        escaping.patterns = ["china-customs/*.csv", bad]
        escaping.keyLocations["files.1"] = SourceLocation(file: "Pipelines/china.yaml", line: 5, column: 5)
        let d = diagnostic { _ = try RawFileScanner.scan(escaping, rawDirectory: raw, rawDisplay: "Raw") }
        #expect(d?.location == SourceLocation(file: "Pipelines/china.yaml", line: 5, column: 5))
        #expect(d?.source == "china")
    }
}

@Test func sha256OfAnEmptyFile() throws {
    let url = try TestSupport.temporaryFile([UInt8]())
    #expect(try RawFileScanner.sha256(of: url, display: "e") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
}

/// A name that is not UTF-8 and a FIFO are each one located skip; the files beside them are found,
/// the FIFO is never opened (the scan would block), and every spelling of the raw directory gives
/// the same relative paths.
@Test func scannerSkipsOddEntriesLocatedAndFindsTheRest() throws {
    let fm = FileManager.default
    let raw = fm.temporaryDirectory.appendingPathComponent("tw-scan-\(UUID().uuidString)/Raw")
    defer { try? fm.removeItem(at: raw.deletingLastPathComponent()) }
    try fm.createDirectory(at: raw.appendingPathComponent("cc"), withIntermediateDirectories: true)
    try Data("abc".utf8).write(to: raw.appendingPathComponent("cc/a.csv"))
    #expect(mkfifo(raw.appendingPathComponent("cc/pipe.csv").path, 0o644) == 0)
    // 日本.csv in GBK: C8 D5 B1 BE.
    let gbk = Array(raw.appendingPathComponent("cc").path.utf8) + Array("/".utf8) + [0xC8, 0xD5, 0xB1, 0xBE] + Array(".csv".utf8) + [0]
    let fd = gbk.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) } }
    #expect(fd >= 0)
    close(fd)

    let def = SourceDefinition(name: "cc", definitionFile: "Pipelines/cc.yaml", format: .chinaCustomsCSV,
                               patterns: ["cc/*.csv"],
                               keyLocations: ["files": SourceLocation(file: "Pipelines/cc.yaml", line: 3, column: 1)])
    let scan = try RawFileScanner.scan(def, rawDirectory: raw, rawDisplay: "Raw/")
    #expect(scan.files.map(\.relativePath) == ["cc/a.csv"])
    #expect(scan.files.map(\.file.displayPath) == ["Raw/cc/a.csv"])
    #expect(scan.skipped.map(\.description) == [
        #"Raw/cc/\xC8\xD5\xB1\xBE.csv:1: error: file name is not valid UTF-8 (as GB18030 it reads "日本.csv"); not read: rename it to UTF-8 (e.g. `convmv -f gbk -t utf-8`, or `unzip -O gbk`) [source=cc]"#,
        "Raw/cc/pipe.csv:1: error: not a regular file (a FIFO); not read [source=cc]",
    ])
    let dotted = raw.deletingLastPathComponent().appendingPathComponent("./Raw/../Raw")
    #expect(try RawFileScanner.scan(def, rawDirectory: dotted, rawDisplay: "x").files.map(\.relativePath) == ["cc/a.csv"])
}
