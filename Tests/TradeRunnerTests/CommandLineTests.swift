import Foundation
import Testing
import TradeRunner
import TradeWarehouse

/// The command-line contract of docs/ARCHITECTURE.md, through the real binary: exit codes, the
/// read-only query command, cron-quiet output, JSON logs, the lock, and the README's commands.
@Suite(.serialized) struct CommandLineTests {
    /// One workspace with the sample loaded, shared by the tests that only read it. Made once; a
    /// sample that does not load fails each test that reads it, not the whole run.
    static var loaded: Workspace { get throws { try loadedSample.get() } }

    private static let loadedSample = Result {
        let ws = try Workspace.make()
        _ = try ws.pipeline().run()
        return ws
    }

    @Test func queryAnswersAndIsReadOnly() throws {
        let ws = try Self.loaded
        let answer = try tradewatch(["query", "--warehouse", ws.warehousePath,
                                     "select reporter, count(*) from trade group by 1 order by 1"], in: ws.root)
        #expect(answer.status == 0)
        #expect(answer.stdout.contains("CHN"))
        #expect(answer.stdout.contains("reporter"))
        let before = try ws.scalar("select count(*) from trade")
        for sql in ["delete from trade", "insert into runs default values", "drop view trade",
                    "attach database '\(ws.path("x.sqlite"))' as x", "pragma writable_schema = 1",
                    "select load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')"] {
            let refused = try tradewatch(["query", "--warehouse", ws.warehousePath, sql], in: ws.root)
            #expect(refused.status == 1, "\(sql) was not refused")
            #expect(!refused.stderr.isEmpty)
        }
        #expect(try ws.scalar("select count(*) from trade") == before)
        #expect(!FileManager.default.fileExists(atPath: ws.path("x.sqlite")))
    }

    @Test func queryFormats() throws {
        let ws = try Self.loaded
        let sql = "select country, value from mineral_stats where country = 'CHN' and year = 2021 and measure = 'mine_production' and source = 'usgs-mcs-world' order by value limit 1"
        let csv = try tradewatch(["query", "--csv", "--warehouse", ws.warehousePath, sql], in: ws.root)
        #expect(csv.stdout.hasPrefix("country,value\nCHN,"))
        let json = try tradewatch(["query", "--json", "--warehouse", ws.warehousePath, sql], in: ws.root)
        let objects = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(objects?.first?["country"] as? String == "CHN")
    }

    @Test(arguments: [["frobnicate"], ["query"], ["query", "--csv", "--json", "select 1"], ["report", "--since", "2024-13"],
                      ["run", "--fail-on", "catastrophic"]])
    func usageErrorsExit2(arguments: [String]) throws {
        let result = try tradewatch(arguments, in: Self.loaded.root)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func cronRunPrintsOneLineAndJSONLogs() throws {
        let ws = try Self.loaded
        let quiet = try tradewatch(["run", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(quiet.status == 0)
        #expect(quiet.stdout.split(separator: "\n").count == 1)
        #expect(quiet.stderr.isEmpty)
        // A failing file: loud on stderr, one JSON object per line, exit 1; the summary on stdout is
        // one JSON object whose counts are numbers.
        try ws.write("Raw/china-customs/broken-2022.csv", Data([0xFF, 0xFE, 0x41]))
        defer { try? FileManager.default.removeItem(atPath: ws.path("Raw/china-customs/broken-2022.csv")) }
        let loud = try tradewatch(["run", "--log-format", "json", "--verbose", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(loud.status == 1)
        let lines = loud.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        var numbers = 0
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["message"] != nil)
            if let findings = object?["findings"] {
                #expect(findings is NSNumber, "findings logged as \(type(of: findings))")
                numbers += 1
            }
        }
        #expect(numbers == 1, "no `detection finished` line: \(loud.stderr)")
        #expect(loud.stderr.contains("broken-2022.csv"))
        let summaryLines = loud.stdout.split(separator: "\n")
        #expect(summaryLines.count == 1)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(loud.stdout.utf8)) as? [String: Any])
        #expect((summary["files"] as? [String: Any])?["failed"] as? Int == 1)
        #expect(summary["exit"] as? Int == 1)
        #expect(summary["command"] as? String == "run")
    }

    @Test func failOnExits4() throws {
        let ws = try Self.loaded
        let result = try tradewatch(["run", "--fail-on", "high", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(result.status == 4)
    }

    @Test func aSecondRunExits3WhileTheLockIsHeld() throws {
        let ws = try Self.loaded
        let lock = try Warehouse.acquireRunLock(warehousePath: ws.warehousePath, wait: false)
        let started = Date()
        let blocked = try tradewatch(["run", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(blocked.status == 3)
        #expect(blocked.stderr.contains("lock"))
        #expect(Date().timeIntervalSince(started) < 10)
        // status and query still answer while the lock is held.
        #expect(try tradewatch(["status", "--warehouse", ws.warehousePath], in: ws.root).status == 0)
        lock.release()
        #expect(try tradewatch(["run", "--warehouse", ws.warehousePath], in: ws.root).status == 0)
    }

    /// `load --dry-run` creates no warehouse, leaves an existing one byte for byte as it was, and
    /// counts per file what a real load of the sample (real ECB, Comtrade, USGS and HS files) stores.
    @Test func dryRunWritesNothingAndCountsLikeALoad() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        let dry = try tradewatch(["load", "--dry-run", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(dry.status == 0, "\(dry.stderr)")
        for suffix in ["", "-wal", "-shm", ".lock"] {
            #expect(!FileManager.default.fileExists(atPath: ws.warehousePath + suffix))
        }
        #expect(dry.stdout.contains("nothing written"))
        // "  new       Raw/x.csv [source]: N rows would load, M rejected"
        var counted: [String: [Int]] = [:]
        for line in dry.stdout.split(separator: "\n") where line.hasPrefix("  new ") {
            let fields = line.split(separator: " ")
            let numbers = fields.compactMap { Int($0.trimmingCharacters(in: .punctuationCharacters)) }
            counted[String(fields[1])] = numbers
        }
        #expect(counted.count >= 10, "\(dry.stdout)")
        #expect(counted.keys.contains("Raw/sdmx/ECB_EXR_M.USD.EUR.SP00.A-generic.xml"))

        let load = try tradewatch(["load", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(load.status == 0, "\(load.stderr)")
        var loaded: [String: [Int]] = [:]
        for row in try ws.rows("select path, rows_loaded, rows_rejected from files where superseded = 0") {
            loaded[row[0]] = [Int(row[1])!, Int(row[2])!]
        }
        #expect(counted == loaded)
        #expect(dry.stdout.contains("\(loaded.values.reduce(0) { $0 + $1[0] }) rows would load"))

        // Over the loaded warehouse: every file is already there, and the database file is untouched.
        let before = try Data(contentsOf: URL(fileURLWithPath: ws.warehousePath))
        let again = try tradewatch(["load", "--dry-run", "--warehouse", ws.warehousePath], in: ws.root)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("(0 new or changed, \(loaded.count) unchanged, 0 failed)"), "\(again.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.warehousePath)) == before)
        #expect(try ws.scalar("select count(*) from runs") == "1")
    }

    /// Every `tradewatch …` line in the README's shell blocks runs as written (from a
    /// checkout-shaped directory, with the default paths).
    @Test func readmeCommandsWork() throws {
        let ws = try Workspace.make()
        defer { ws.remove() }
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var inShell = false
        var commands: [String] = []
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inShell = line.hasPrefix("```sh"); continue }
            guard inShell, line.hasPrefix("tradewatch ") else { continue }
            commands.append(String(line.split(separator: "#", maxSplits: 1)[0]).trimmingCharacters(in: .whitespaces))
        }
        #expect(commands.count >= 8)
        for command in commands {
            let arguments = try shellWords(String(command.dropFirst("tradewatch ".count)))
            let result = try tradewatch(arguments, in: ws.root)
            #expect(result.status == 0, "`\(command)` exited \(result.status): \(result.stderr)")
        }
    }

    /// Splits a README command line into arguments (double quotes only, as the README uses).
    func shellWords(_ text: String) throws -> [String] {
        var words: [String] = [], current = "", quoted = false, started = false
        for character in text {
            if character == "\"" { quoted.toggle(); started = true }
            else if character == " " && !quoted {
                if started { words.append(current) }
                current = ""; started = false
            } else { current.append(character); started = true }
        }
        if started { words.append(current) }
        return words
    }
}
