import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Faults {
    /// Inputs that used to crash the binary or make it take unbounded time or memory: each now ends
    /// in bounded time with a located error (the `wait` timeouts kill and fail a run that does not).
    @Suite struct Limits {
        /// A Comtrade JSON file truncated while `load` reads it: one located error, no signal, the run
        /// closed. The truncation waits until the reader (not the hash before it) is inside the file.
        @Test func jsonFileTruncatedWhileLoadedIsALocatedErrorAndTheRunEnds() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("json-truncated", rawFolders: [])
            let file = ws.raw.appendingPathComponent("comtrade/big.json")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.writeComtradeJSON(to: file, records: 60_000)
            let process = try ws.start("load")
            let reading = process.waitUntilReadingAgain(file)
            let stillRunning = process.isRunning
            let handle = try FileHandle(forWritingTo: file)
            try handle.truncate(atOffset: 4096)
            try handle.close()
            let outcome = process.wait(timeout: 300)
            try #require(reading && stillRunning, "the load never read the file, or finished before it was cut: make it bigger")
            #expect(!outcome.signaled, "killed by signal \(outcome.status): \(outcome)")
            #expect(outcome.status == 1, "\(outcome)")
            let errors = outcome.stderr.split(separator: "\n").filter { $0.contains("Raw/comtrade/big.json") }
            #expect(errors.count == 1 && errors[0].range(of: #"Raw/comtrade/big\.json:\d+: error: "#, options: .regularExpression) != nil,
                    "\(outcome.stderr)")
            #expect(try ws.scalarInt("select count(*) from files") == 0)
            #expect(try ws.scalarInt("select count(*) from file_errors where path = 'Raw/comtrade/big.json'") == 1)
            #expect(try ws.scalar("select status from runs order by id desc limit 1") != "running")
        }

        /// The issue's 458-byte YAML alias bomb (nine levels of ten aliases) in `Pipelines/`: refused
        /// at its 33rd alias, before Yams composes it.
        @Test func yamlAliasBombInPipelinesIsRefused() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("alias-bomb", rawFolders: [], files: ["comtrade/us-china-2846-280530-2020-2021.csv"])
            var yaml = "format: comtrade-csv\nfiles: bomb/*.csv\ndescription:\n  - &a [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
            let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            for level in 1..<names.count {
                yaml += "  - &\(names[level]) [" + Array(repeating: "*\(names[level - 1])", count: 10).joined(separator: ",") + "]\n"
            }
            yaml += "options:\n  bomb: *i\n"
            try yaml.write(to: ws.pipelines.appendingPathComponent("bomb.yaml"), atomically: true, encoding: .utf8)
            let outcome = try ws.run("load", timeout: 60)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("Pipelines/bomb.yaml:8:15: error: more than 32 YAML aliases"), "\(outcome.stderr)")
        }

        /// Twelve `**` against a 30-level tree: C(42, 12) ≈ 10¹⁰ ways to split the path, which a
        /// backtracking matcher tries one by one; the file at the bottom still loads and its
        /// non-matching neighbour is still reported (as a warning: an unclaimed file is not a failure).
        @Test func manyDoubleStarsAgainstADeepTreeMatchInBoundedTime() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("deep-glob", rawFolders: [])
            let folders = (1...30).map { "d\($0)" }.joined(separator: "/")
            let pattern = "deep/" + Array(repeating: "**", count: 12).joined(separator: "/") + "/*-trade.csv"
            try "name: deep\nformat: comtrade-csv\nfiles: \(pattern)\n"
                .write(to: ws.pipelines.appendingPathComponent("deep.yaml"), atomically: true, encoding: .utf8)
            let folder = ws.raw.appendingPathComponent("deep/\(folders)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: FaultsKit.packageRoot.appendingPathComponent("Raw/comtrade/us-china-2846-280530-2020-2021.csv"),
                                             to: folder.appendingPathComponent("us-trade.csv"))
            try Data("x\n".utf8).write(to: folder.appendingPathComponent("other.csv"))
            let outcome = try ws.run("load", timeout: 60)
            #expect(outcome.status == 0, "an unclaimed file is a warning: \(outcome)")
            #expect(outcome.stderr.contains("Raw/deep/\(folders)/other.csv:1: warning: matches no source definition"), "\(outcome.stderr)")
            #expect(try ws.scalarInt("select count(*) from files where path = 'Raw/deep/\(folders)/us-trade.csv'") == 1)
        }

        /// `query --timeout 1` stops an endless recursive CTE and says which limit it hit.
        @Test func queryTimeoutStopsAnEndlessQuery() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("query-timeout", rawFolders: [])
            try #require(try ws.run("init").status == 0)
            let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
            let outcome = try ws.run("query", ["--timeout", "1", endless], timeout: 60)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("time limit of 1 s reached"), "\(outcome.stderr)")
            #expect(outcome.stdout.isEmpty)
        }

        /// `records` Comtrade API objects, one a line, in `{"data": [...]}`.
        static func writeComtradeJSON(to url: URL, records: Int) throws {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            var buffer = "{\"data\":[\n"
            for i in 0..<records {
                let year = 2000 + i / 12 % 19, month = i % 12 + 1, partner = 100 + i / 228
                buffer += #"{"typeCode":"C","freqCode":"M","period":"\#(year)\#(month < 10 ? "0" : "")\#(month)","reporterCode":392,"flowCode":"M","partnerCode":\#(partner),"cmdCode":"280530","netWgt":\#(1000 + i % 977),"primaryValue":\#(7 * (1000 + i % 977))}"#
                buffer += i + 1 < records ? ",\n" : "\n]}\n"
                if buffer.utf8.count > 1 << 20 {
                    try handle.write(contentsOf: Data(buffer.utf8))
                    buffer = ""
                }
            }
            try handle.write(contentsOf: Data(buffer.utf8))
        }
    }
}

extension FaultsKit.Running {
    /// Waits until the process reads `file` a second time (the load hashes a new file, then reads it):
    /// the file is memory-mapped, or a descriptor on it was closed and opened again or went back to an
    /// earlier offset. False when the process ended or `timeout` passed first.
    func waitUntilReadingAgain(_ file: URL, timeout: Double = 120) -> Bool {
        let target = file.resolvingSymlinksInPath().path
        let deadline = Date().addingTimeInterval(timeout)
        var lastOffset = -1
        var closedSinceOpen = false
        while isRunning && Date() < deadline {
            if let maps = try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8), maps.contains(target) { return true }
            if let offset = openOffset(target) {
                if lastOffset >= 0 && (closedSinceOpen || offset < lastOffset) { return true }
                lastOffset = offset
            } else if lastOffset >= 0 {
                closedSinceOpen = true
            }
            usleep(1_000)
        }
        return false
    }

    /// The largest file offset of the process's descriptors on `path`, nil when none is open.
    private func openOffset(_ path: String) -> Int? {
        let fds = "/proc/\(pid)/fd"
        var offset: Int?
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []
            where (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\(fd)")) == path {
            let info = (try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8)) ?? ""
            let pos = info.split(separator: "\n").first { $0.hasPrefix("pos:") }
                .flatMap { Int($0.dropFirst(4).trimmingCharacters(in: .whitespaces)) } ?? 0
            offset = max(offset ?? 0, pos)
        }
        return offset
    }
}
