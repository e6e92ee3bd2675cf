import Foundation
import Testing
import TradeCore
import TradeRunner

/// A file that is mostly rejects (a double export, a file concatenated with itself) still loads
/// its good rows, records every reject with its line, column and reason, and says so.
@Suite(.serialized) struct RejectedRowsTests {
    /// Columns of the Comtrade sample's rows that the generated rows vary.
    enum Field: Int {
        case refPeriodId = 2, refYear = 3, period = 5, flowCode = 9, cmdCode = 20, qty = 31, netWgt = 37
    }

    /// The sample's header and its first data row, split into fields (no field of it is quoted).
    static func template() throws -> (header: String, fields: [String]) {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Raw/comtrade/us-china-2846-280530-2020-2021.csv"),
                              encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        return (String(lines[0]), lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    /// One generated row: an annual total of `code` for `year` and flow `flow`, `kg` net weight.
    static func row(_ template: [String], year: Int, flow: String, code: String, kg: String) -> String {
        var fields = template
        fields[Field.refPeriodId.rawValue] = "\(year)0101"
        fields[Field.refYear.rawValue] = "\(year)"
        fields[Field.period.rawValue] = "\(year)"
        fields[Field.flowCode.rawValue] = flow
        fields[Field.cmdCode.rawValue] = code
        fields[Field.qty.rawValue] = kg
        fields[Field.netWgt.rawValue] = kg
        return fields.joined(separator: ",")
    }

    struct Key: Hashable { var year: Int; var flow: String; var code: String }

    /// The generated file and what loading it must give, worked out from how it is written.
    struct Generated {
        var text = ""
        /// The next line's number (line 1 is the header).
        var line = 2
        var firstLine: [Key: Int] = [:]
        var duplicates: [(line: Int, firstLine: Int)] = []
        var badLines: [Int] = []

        mutating func append(_ row: String) {
            text += row + "\n"
            line += 1
        }
    }

    /// `passes` copies of every key (years × flows × codes), so all copies after the first repeat an
    /// earlier key; after every `badEvery` good-shaped rows, a row whose net weight is not a number.
    static func generate(years: ClosedRange<Int>, codes: Int, passes: Int, badEvery: Int) throws -> Generated {
        let (header, template) = try template()
        var file = Generated()
        file.text = header + "\n"
        var written = 0
        for pass in 0..<passes {
            for year in years {
                for flow in ["M", "X"] {
                    for index in 1...codes {
                        let key = Key(year: year, flow: flow, code: "2846" + String(format: "%02d", index))
                        // Later copies carry other figures: a repeat is refused for its key, not its values.
                        file.append(row(template, year: year, flow: flow, code: key.code, kg: "\(1000 * index + pass)"))
                        if let first = file.firstLine[key] {
                            file.duplicates.append((file.line - 1, first))
                        } else {
                            file.firstLine[key] = file.line - 1
                        }
                        written += 1
                        if written % badEvery == 0 {
                            file.append(row(template, year: year, flow: flow, code: key.code, kg: "12x5"))
                            file.badLines.append(file.line - 1)
                        }
                    }
                }
            }
        }
        return file
    }

    /// 6 years × 2 flows × 10 codes = 120 keys, five copies of each: 600 rows of which 480 (80 %)
    /// repeat an earlier key, and 24 rows (one after every 25th) with a net weight "12x5".
    /// Loaded into an empty warehouse (a bulk load: repeats are found when the key index is built).
    @Test func aFileOfMostlyRepeatedKeysLoadsItsGoodRowsAndRecordsEveryReject() throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        let file = try Self.generate(years: 2015...2020, codes: 10, passes: 5, badEvery: 25)
        #expect(file.firstLine.count == 120)
        #expect(file.duplicates.count == 480)
        #expect(file.badLines.count == 24)
        try ws.write("Raw/comtrade/double-export.csv", file.text)

        let result = try ws.pipeline().load()
        #expect(result.status == .success)
        #expect(try ws.scalar("select rows_loaded || '+' || rows_rejected from runs") == "120+504")
        // Said so: the file is named among those mostly rejected.
        #expect(result.fields["mostly_rejected_files"] == .array([.string(ws.path("Raw/comtrade/double-export.csv"))]))

        // The first copy of every key is the one loaded.
        let loaded = try ws.rows("select raw_line, quantity_kg from trade order by raw_line")
        #expect(loaded.map { Int($0[0])! } == file.firstLine.values.sorted())
        #expect(loaded.allSatisfy { Double($0[1])!.truncatingRemainder(dividingBy: 1000) == 0 })

        let duplicates = try ws.rows("""
            select raw_line, raw_column, column_name, reason, raw_text from rejected_rows
            where reason like 'duplicate figure:%' order by raw_line
            """)
        #expect(duplicates.map { Int($0[0])! } == file.duplicates.map(\.line))
        #expect(duplicates.map(\.[3]) == file.duplicates.map {
            "duplicate figure: same period, reporter, partner, flow and hs_code as line \($0.firstLine) of this file"
        })
        // A repeat names no one column; its text is the row as it would have loaded.
        #expect(duplicates.allSatisfy { $0[1] == "" && $0[2] == "" })
        #expect(duplicates.first?[4].hasPrefix("period=2015 reporter=USA partner=CHN flow=import hs_code=284601 ") == true)

        let bad = try ws.rows("""
            select raw_line, column_name, reason, raw_text, raw_column from rejected_rows
            where reason not like 'duplicate figure:%' order by raw_line
            """)
        #expect(bad.map { Int($0[0])! } == file.badLines)
        #expect(bad.allSatisfy { $0[1] == "netWgt" && $0[2].contains("12x5") && $0[3].contains(",12x5,") })
        // The column where netWgt starts: the fields before it (all ASCII, none quoted) and their commas, plus one.
        for row in bad {
            let fields = row[3].split(separator: ",", omittingEmptySubsequences: false)
            let column = fields[..<Field.netWgt.rawValue].reduce(0) { $0 + $1.count + 1 } + 1
            #expect(row[4] == String(column), "\(row)")
        }
    }

    /// A second file into a warehouse that already holds more rows than it may add is loaded row
    /// by row: a repeat is refused by the key index as it is inserted, with the same reason.
    @Test func repeatsInARowByRowLoadAreRejectedToo() throws {
        let ws = try Workspace.make(rawFolders: [])
        defer { ws.remove() }
        let first = try Self.generate(years: 2010...2019, codes: 10, passes: 1, badEvery: 1000)
        try ws.write("Raw/comtrade/a-first.csv", first.text)
        #expect(try ws.pipeline().load().status == .success)
        #expect(try ws.scalar("select count(*) from trade") == "200")

        let second = try Self.generate(years: 2020...2020, codes: 2, passes: 3, badEvery: 5)
        #expect(second.duplicates.count == 8 && second.badLines.count == 2)
        try ws.write("Raw/comtrade/b-second.csv", second.text)
        #expect(try ws.pipeline().load().status == .success)
        #expect(try ws.scalar("select rows_loaded || '+' || rows_rejected from runs order by id desc limit 1") == "4+10")
        let rejected = try ws.rows("""
            select raw_line, reason from rejected_rows where raw_file like '%b-second.csv' and reason like 'duplicate%'
            order by raw_line
            """)
        #expect(rejected.map { Int($0[0])! } == second.duplicates.map(\.line))
        #expect(rejected.map(\.[1]) == second.duplicates.map {
            "duplicate figure: same period, reporter, partner, flow and hs_code as line \($0.firstLine) of this file"
        })
    }
}
