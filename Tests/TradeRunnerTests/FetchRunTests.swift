import Foundation
import Testing
import TradeCore
import TradeTestSupport

/// The README's cron line, `tradewatch run --fetch --fail-on high --log-format json`, against a
/// loopback server: the first run fetches and loads, the second fetches nothing, a re-released
/// period is fetched again and supersedes its rows; the key appears nowhere.
@Suite(.serialized) struct FetchRunTests {
    static let key = "cron-KEY-9f8e7d6c5b4a"

    static func record(period: String, flow: String, partner: String, usd: Int) -> String {
        """
        {"typeCode": "C", "freqCode": "M", "refPeriodId": \(period)01, "period": "\(period)", "reporterCode": 156, \
        "flowCode": "\(flow)", "partnerCode": \(partner), "partner2Code": 0, "classificationCode": "H6", "cmdCode": "2846", \
        "customsCode": "C00", "motCode": 0, "qtyUnitCode": 8, "qty": 1000, "netWgt": 1000, "cifvalue": null, \
        "fobvalue": \(usd), "primaryValue": \(usd), "isReported": true}
        """
    }

    static func body(_ records: [String]) -> String {
        "{\"elapsedTime\": \"0.1 secs\", \"count\": \(records.count), \"data\": [\(records.joined(separator: ","))], \"error\": \"\"}"
    }

    static func availability(_ february: String) -> String {
        body(["{\"reporterCode\": 156, \"period\": \"202301\", \"lastReleased\": \"2023-02-20T00:00:00\"}",
              "{\"reporterCode\": 156, \"period\": \"202302\", \"lastReleased\": \"\(february)\"}"])
    }

    static func routes(february: String, februaryUSD: Int) -> [[String: Any]] {
        let json = ["Content-Type": "application/json"]
        return [
            ["path": "/data/v1/getDa/C/M/HS", "responses": [["status": 200, "headers": json, "body": availability(february)]]],
            ["path": "/data/v1/get/C/M/HS", "query": ["period": "202301,202302"], "responses": [["status": 200, "headers": json,
                "body": body([record(period: "202301", flow: "X", partner: "842", usd: 50000),
                              record(period: "202302", flow: "X", partner: "842", usd: 60000),
                              record(period: "202302", flow: "M", partner: "392", usd: 7000)])]]],
            ["path": "/data/v1/get/C/M/HS", "query": ["period": "202302"], "responses": [["status": 200, "headers": json,
                "body": body([record(period: "202302", flow: "X", partner: "842", usd: februaryUSD)])]]],
        ]
    }

    static func writeDefinition(_ workspace: Workspace, server: LoopbackServer, budget: Int) throws {
        try workspace.write("Pipelines/comtrade-api.yaml", """
            name: comtrade-api
            format: comtrade-json
            files:
              - comtrade-api/**/*.json
            fetch:
              api: comtrade
              base_url: \(server.baseURL)
              key_env: COMTRADE_API_KEY
              frequency: M
              classification: HS
              reporters: [156]
              commodities: ["2846"]
              flows: [X, M]
              partners: all
              from: 2023-01
              calls_per_second: 50
              daily_call_budget: \(budget)
            """)
    }

    @Test func aSpentBudgetExitsOneAndKeepsWhatWasFetched() throws {
        let server = try LoopbackServer(routes: Self.routes(february: "2023-03-10T00:00:00", februaryUSD: 60000))
        defer { server.stop() }
        let workspace = try Workspace.make(rawFolders: [])
        defer { workspace.remove() }
        // One call a day: availability spends it, the data call is not made.
        try Self.writeDefinition(workspace, server: server, budget: 1)
        let result = try cron(workspace)
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(summary?["ok"] as? Bool == false)
        let failures = (summary?["fetch"] as? [String: Any])?["failures"] as? [String]
        #expect(failures?.count == 1 && failures?.first?.contains("daily call budget of 1 calls is spent") == true)
        #expect(try server.requests().count == 1)
        #expect(try workspace.scalar("SELECT status FROM runs ORDER BY id DESC LIMIT 1") == "partial")
        #expect(try workspace.rows("SELECT http_status, tries, error IS NOT NULL FROM fetches ORDER BY id") == [
            ["200", "1", "0"], ["", "0", "1"]])
    }

    func cron(_ workspace: Workspace) throws -> ProcessResult {
        let process = Process()
        process.executableURL = packageRoot.appendingPathComponent(".build/debug/tradewatch")
        process.arguments = ["run", "--fetch", "--fail-on", "high", "--log-format", "json", "--verbose"]
        process.currentDirectoryURL = workspace.root
        var environment = ProcessInfo.processInfo.environment
        environment["COMTRADE_API_KEY"] = Self.key
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test func theCronLineFetchesLoadsAndSupersedes() throws {
        let server = try LoopbackServer(routes: Self.routes(february: "2023-03-10T00:00:00", februaryUSD: 60000))
        defer { server.stop() }
        let workspace = try Workspace.make(rawFolders: [])
        defer { workspace.remove() }
        try Self.writeDefinition(workspace, server: server, budget: 500)
        var outputs: [ProcessResult] = []

        let first = try cron(workspace)
        outputs.append(first)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect((summary?["fetch"] as? [String: Any])?["files"] as? Int == 2)
        #expect(try workspace.scalar("SELECT count(*) FROM trade WHERE source = 'comtrade-api'") == "3")
        #expect(try workspace.rows("SELECT url LIKE '%/getDa/%', http_status, records, file FROM fetches ORDER BY id") == [
            ["1", "200", "2", ""],
            ["0", "200", "3", "comtrade-api/156-M-202301-2846.json, comtrade-api/156-M-202302-2846.json"]])

        let second = try cron(workspace)
        outputs.append(second)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(try server.requests().count == 3)  // availability, data, availability
        #expect(try workspace.scalar("SELECT count(*) FROM fetches WHERE run_id = (SELECT max(run_id) FROM fetches)") == "1")

        try server.setRoutes(Self.routes(february: "2023-04-02T00:00:00", februaryUSD: 65000))
        let third = try cron(workspace)
        outputs.append(third)
        #expect(third.status == 0, "\(third.stdout)\n\(third.stderr)")
        #expect(try server.requests().suffix(1).map(\.query).first?.contains("period=202302&") == true)
        // February's file now has one line: its old rows are superseded, the new figure current.
        #expect(try workspace.rows("""
            SELECT period, flow, value_usd FROM trade WHERE source = 'comtrade-api' ORDER BY period, flow
            """) == [["2023-01", "export", "50000.0"], ["2023-02", "export", "65000.0"]])
        #expect(try workspace.scalar("""
            SELECT count(*) FROM trade_history WHERE source = 'comtrade-api' AND period = '2023-02' AND superseded = 1
            """) == "2")

        // The key: in no log, summary, file name, file, report or warehouse byte.
        for output in outputs {
            #expect(!output.stdout.contains(Self.key) && !output.stderr.contains(Self.key))
        }
        let fm = FileManager.default
        for folder in ["Raw", "Warehouse"] {
            let enumerator = fm.enumerator(atPath: workspace.path(folder))
            while let relative = enumerator?.nextObject() as? String {
                #expect(!relative.contains(Self.key))
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: workspace.path("\(folder)/\(relative)"), isDirectory: &isDirectory),
                      !isDirectory.boolValue else { continue }
                let data = try Data(contentsOf: URL(fileURLWithPath: workspace.path("\(folder)/\(relative)")))
                #expect(data.range(of: Data(Self.key.utf8)) == nil, "the key is in \(folder)/\(relative)")
            }
        }
        #expect(try workspace.scalar("SELECT count(*) FROM fetches WHERE url LIKE '%\(Self.key)%' OR error LIKE '%\(Self.key)%'") == "0")
    }

    @Test func aDryRunPrintsTheCallsAndWritesNothing() throws {
        let workspace = try Workspace.make(rawFolders: [])
        defer { workspace.remove() }
        try workspace.write("Pipelines/usgs-files.yaml", """
            format: usgs-world-csv
            files: usgs-files/*.csv
            fetch:
              api: http
              urls: [https://example.org/mcs2024/world.csv]
            """)
        let result = try tradewatch(["fetch", "--dry-run", "--source", "usgs-files"], in: workspace.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "GET https://example.org/mcs2024/world.csv  (conditional)\n")
        #expect(!FileManager.default.fileExists(atPath: workspace.warehousePath))
        #expect(try tradewatch(["fetch", "--source", "nope"], in: workspace.root).status == 2)

        // A file fetch would write that the source's own files: patterns do not match: located, nothing fetched.
        try workspace.write("Pipelines/usgs-mismatch.yaml", """
            format: usgs-world-csv
            files: usgs-mismatch/*.json
            fetch:
              api: http
              urls: [https://example.org/mcs2024/world.csv]
            """)
        let mismatch = try tradewatch(["fetch", "--dry-run", "--source", "usgs-mismatch"], in: workspace.root)
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("Pipelines/usgs-mismatch.yaml:3:1: error: fetch would write usgs-mismatch/world.csv"))
    }
}
