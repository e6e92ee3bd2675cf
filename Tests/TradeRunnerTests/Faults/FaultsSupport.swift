import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every fault-injection suite, run one test at a time: they start the `tradewatch` binary and
/// time it, so on a small machine they must not compete with each other for the CPU.
@Suite(.serialized) struct Faults {}

/// Process, workspace and data helpers for the fault-injection tests (black-box, through the binary).
enum FaultsKit {
    /// The package root, from this file's path (`Tests/TradeRunnerTests/Faults/FaultsSupport.swift`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The debug binary `make test` builds before the tests run; `TRADEWATCH_FAULTS_BINARY` names
    /// another (the release build, say, to see the tests hold on a machine several times faster).
    static let binary = ProcessInfo.processInfo.environment["TRADEWATCH_FAULTS_BINARY"].map { URL(fileURLWithPath: $0) }
        ?? packageRoot.appendingPathComponent(".build/debug/tradewatch")

    /// The seed of every random choice in these tests (`TRADEWATCH_FAULTS_SEED` overrides it).
    static let seed: UInt64 = ProcessInfo.processInfo.environment["TRADEWATCH_FAULTS_SEED"].flatMap { UInt64($0) }
        ?? 20_251_123

    /// An integer from the environment, else `fallback`.
    static func environmentInt(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    /// The binary is there (fails the test with a reason when it is not).
    static func requireBinary() throws {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            Issue.record("\(binary.path) is missing: run `swift build` (make test does) before these tests")
            throw CancellationError()
        }
    }

    /// What a finished process did.
    struct Outcome: CustomStringConvertible {
        var status: Int32
        /// True when the process ended by a signal (`status` is then the signal number).
        var signaled: Bool
        var stdout: String
        var stderr: String
        var seconds: Double
        var description: String { "exit \(signaled ? "signal " : "")\(status) after \(String(format: "%.2f", seconds)) s\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// A started process whose output goes to files (no pipe to fill up and block it).
    final class Running: @unchecked Sendable {
        let process = Process()
        let stdoutURL: URL
        let stderrURL: URL
        let started = Date()

        init(_ executable: URL, _ arguments: [String], cwd: URL) throws {
            let id = UUID().uuidString
            stdoutURL = FileManager.default.temporaryDirectory.appendingPathComponent("tw-faults-\(id).out")
            stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("tw-faults-\(id).err")
            FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = cwd
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            try process.run()
        }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }

        func kill(_ signal: Int32 = SIGKILL) { Glibc.kill(process.processIdentifier, signal) }

        /// Waits until the process has `file` open (Linux: a link in /proc/PID/fd), polling every
        /// millisecond; false when it ended or `timeout` passed first. Lets a test act while the
        /// reader is inside a file rather than guessing from elapsed time on a busy machine.
        func waitUntilOpen(_ file: URL, timeout: Double = 60) -> Bool {
            let target = file.resolvingSymlinksInPath().path
            let fds = "/proc/\(pid)/fd"
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline {
                for fd in (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []
                    where (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\(fd)")) == target {
                    return true
                }
                usleep(1_000)
            }
            return false
        }

        /// Waits for the end (killing it after `timeout` seconds) and collects its output.
        func wait(timeout: Double = 300) -> Outcome {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(5_000) }
            if process.isRunning {
                kill()
                Issue.record("\(process.arguments ?? []) did not finish within \(timeout) s; killed")
            }
            process.waitUntilExit()
            let seconds = Date().timeIntervalSince(started)
            let out = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            let err = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
            return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                           stdout: out, stderr: err, seconds: seconds)
        }
    }

    /// Runs a command to completion.
    static func run(_ executable: URL, _ arguments: [String], cwd: URL, timeout: Double = 300) throws -> Outcome {
        try Running(executable, arguments, cwd: cwd).wait(timeout: timeout)
    }

    /// Writes a UN Comtrade v1 CSV of `rows` distinct import totals (kg and USD), 2000–2018, so
    /// no key overlaps the sample's files: a file big enough to be killed in the middle of.
    static func writeSyntheticComtrade(to url: URL, rows: Int) throws {
        let header = "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,classificationCode,classificationSearchCode,isOriginalClassification,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,altQtyUnitCode,altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,isGrossWgtEstimated,cifvalue,fobvalue,primaryValue,legacyEstimationFlag,isReported,isAggregate\n"
        let codes: [(Int, String)] = [(156, "CHN"), (392, "JPN"), (842, "USA"), (276, "DEU"), (410, "KOR"), (250, "FRA"),
                                      (380, "ITA"), (826, "GBR"), (356, "IND"), (36, "AUS"), (124, "CAN"), (76, "BRA"),
                                      (484, "MEX"), (643, "RUS"), (702, "SGP"), (792, "TUR"), (704, "VNM"), (458, "MYS"),
                                      (764, "THA"), (360, "IDN")]
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer = header
        var n = 0
        outer: for year in 2000...2018 {
            for month in 1...12 {
                for (rc, ri) in codes {
                    for (pc, pi) in codes where pc != rc {
                        for cmd in ["280530", "284690"] {
                            if n >= rows { break outer }
                            n += 1
                            let q = 1000 + n % 977
                            let ym = "\(year)\(month < 10 ? "0" : "")\(month)"
                            buffer += "C,M,\(ym)01,\(year),\(month),\(ym),\(rc),\(ri),R,M,Import,\(pc),\(pi),P,0,W00,World,H6,HS,False,\(cmd),desc,6,True,C00,TOTAL CPC,0,0,TOTAL MOT,8,kg,\(q).0,False,-1,,0.0,False,\(q).0,False,0.0,False,\(q * 7).0,,\(q * 7).0,0,True,False\n"
                            if buffer.utf8.count > 1 << 20 {
                                try handle.write(contentsOf: Data(buffer.utf8))
                                buffer = ""
                            }
                        }
                    }
                }
            }
        }
        precondition(n == rows, "the synthetic key space holds at most \(n) rows")
        try handle.write(contentsOf: Data(buffer.utf8))
    }
}

/// A throwaway copy of `Pipelines/` and the `Raw/` folders a test needs, under the temporary directory.
final class FaultsWorkspace: @unchecked Sendable {
    let root: URL
    var raw: URL { root.appendingPathComponent("Raw") }
    var pipelines: URL { root.appendingPathComponent("Pipelines") }
    /// Warehouse path relative to `root` (commands run with `root` as working directory).
    var warehouse = "W/tradewatch.sqlite"
    var warehouseURL: URL { root.appendingPathComponent(warehouse) }

    init(_ name: String, rawFolders: [String], files: [String] = []) throws {
        let fm = FileManager.default
        root = fm.temporaryDirectory.appendingPathComponent("tw-faults-\(name)-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try fm.copyItem(at: FaultsKit.packageRoot.appendingPathComponent("Pipelines"), to: pipelines)
        try fm.createDirectory(at: raw, withIntermediateDirectories: true)
        for folder in rawFolders {
            try fm.copyItem(at: FaultsKit.packageRoot.appendingPathComponent("Raw/\(folder)"),
                            to: raw.appendingPathComponent(folder))
        }
        for file in files {  // single files, e.g. "china-customs/exports-2024.csv"
            let target = raw.appendingPathComponent(file)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: FaultsKit.packageRoot.appendingPathComponent("Raw/\(file)"), to: target)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// `tradewatch <command> --warehouse … --raw Raw --pipelines Pipelines <extra>`.
    func arguments(_ command: String, _ extra: [String] = []) -> [String] {
        var args = [command, "--warehouse", warehouse]
        if command != "query" && command != "status" {
            args += ["--raw", "Raw", "--pipelines", "Pipelines"]
        }
        if command == "run" { args += ["--reports", "R"] }
        return args + extra
    }

    func run(_ command: String, _ extra: [String] = [], timeout: Double = 300) throws -> FaultsKit.Outcome {
        try FaultsKit.run(FaultsKit.binary, arguments(command, extra), cwd: root, timeout: timeout)
    }

    func start(_ command: String, _ extra: [String] = []) throws -> FaultsKit.Running {
        try FaultsKit.Running(FaultsKit.binary, arguments(command, extra), cwd: root)
    }

    /// Rows of a read-only query through the binary (`--json`), each a column → text map.
    func query(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: String]] {
        let outcome = try run("query", ["--json", sql])
        guard outcome.status == 0 else {
            Issue.record("query failed: \(sql)\n\(outcome)", sourceLocation: sourceLocation)
            return []
        }
        let data = Data(outcome.stdout.utf8)
        let object = try JSONSerialization.jsonObject(with: data)
        let rows = (object as? [[String: Any]]) ?? ((object as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        return rows.map { row in row.mapValues { value in
            if value is NSNull { return "NULL" }
            if let n = value as? NSNumber { return n.stringValue }
            return "\(value)"
        } }
    }

    /// The first column of the first row.
    func scalar(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let rows = try query(sql, sourceLocation: sourceLocation)
        guard let row = rows.first, row.count == 1, let value = row.values.first else {
            Issue.record("expected one value from \(sql), got \(rows)", sourceLocation: sourceLocation)
            return ""
        }
        return value
    }

    func scalarInt(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        Int(try scalar(sql, sourceLocation: sourceLocation)) ?? -1
    }

    /// Removes the warehouse and its journal files (the lock file stays, as a crashed run would leave it).
    func removeWarehouse() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(warehouse + suffix))
        }
    }
}

/// A state of the warehouse that an undisturbed run and a disturbed-then-completed one must share.
struct FaultsSnapshot: Equatable, CustomStringConvertible {
    var trade = 0
    var tradeHistory = 0
    var files = 0
    var quantitySum = ""
    var valueSum = ""
    /// path → (rows loaded, rows rejected in the manifest, rejected rows stored)
    var perFile: [String: [Int]] = [:]

    init(_ ws: FaultsWorkspace) throws {
        trade = try ws.scalarInt("select count(*) from trade")
        tradeHistory = try ws.scalarInt("select count(*) from trade_history")
        files = try ws.scalarInt("select count(*) from files")
        quantitySum = try ws.scalar("select printf('%.3f', coalesce(sum(quantity_kg), 0)) from trade")
        valueSum = try ws.scalar("select printf('%.3f', coalesce(sum(value_usd), 0)) from trade")
        for row in try ws.query("""
            select f.path, f.rows_loaded, f.rows_rejected,
                   (select count(*) from rejected_rows r where r.raw_file = f.path) as stored
            from files f order by f.id
            """) {
            perFile[row["path"] ?? "?"] = [Int(row["rows_loaded"] ?? "") ?? -1, Int(row["rows_rejected"] ?? "") ?? -1,
                                           Int(row["stored"] ?? "") ?? -1]
        }
    }

    var description: String {
        "trade \(trade), history \(tradeHistory), files \(files), Σqty \(quantitySum), Σvalue \(valueSum), per file \(perFile.sorted { $0.key < $1.key })"
    }
}
