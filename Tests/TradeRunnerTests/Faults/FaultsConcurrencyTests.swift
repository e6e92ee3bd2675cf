import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Faults {
    /// Two runs at once, a waiting run, and readers during a load.
    @Suite struct Concurrency {
        /// Two loads racing on a warehouse that does not exist yet: the lock must be taken before
        /// the database is created and migrated, or the loser fails (exit 1, "table run_ledger
        /// already exists") instead of exiting 3. Repeated, since it is a race.
        @Test func twoLoadsOnANewWarehouseOneWinsTheOtherExits3() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("race", rawFolders: [], files: ["comtrade/partners-2019-2025-monthly.csv"])
            var overlapped = 0
            for round in 0..<FaultsKit.environmentInt("TRADEWATCH_FAULTS_RACES", 8) {
                ws.removeWarehouse()
                let a = try ws.start("load"), b = try ws.start("load")
                let results = [a.wait(), b.wait()]
                let statuses = results.map(\.status).sorted()
                // Both 0 only if one finished before the other started (then the second loads nothing).
                #expect(statuses == [0, 3] || statuses == [0, 0], "round \(round): \(results)")
                if statuses == [0, 3] { overlapped += 1 }
                #expect(try ws.scalarInt("select count(*) from runs") == (statuses == [0, 3] ? 1 : 2), "round \(round)")
                #expect(try ws.scalarInt("select count(*) from files") == 1, "round \(round)")
            }
            #expect(overlapped > 0, "the two loads never overlapped; the race was not exercised")
        }

        @Test func secondRunExits3AtOnceWaiterLoadsNothingAndReadersSeeOnlyWholeFiles() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("concurrency", rawFolders: ["china-customs", "comtrade"])

            // Per-file cumulative totals of an undisturbed load (in its own warehouse).
            ws.warehouse = "ref/tradewatch.sqlite"
            try #require(try ws.run("load").status == 0)
            var cumulative: Set<Int> = [0]
            var total = 0
            for row in try ws.query("select rows_loaded from files order by id") {
                total += Int(row["rows_loaded"]!)!
                cumulative.insert(total)
            }
            // This sample supersedes nothing, so `trade` grows by each file's rows.
            #expect(try ws.scalarInt("select count(*) from trade") == total)
            ws.warehouse = "W/tradewatch.sqlite"

            // Two runs started together: one proceeds, the other exits 3 at once, saying why.
            let first = try ws.start("run")
            let second = try ws.start("run")
            let lockPath = ws.warehouseURL.path + ".lock"
            var winner: FaultsKit.Running?
            var loser: FaultsKit.Running?
            let deadline = Date().addingTimeInterval(30)
            while winner == nil && Date() < deadline {
                if !first.isRunning { winner = second; loser = first }
                else if !second.isRunning { winner = first; loser = second }
                usleep(2_000)
            }
            let runner = try #require(winner, "neither run exited: both hold the lock?")
            let refused = loser!.wait()
            #expect(refused.status == 3, "\(refused)")
            #expect(refused.seconds < 5, "the refused run should exit at once, took \(refused.seconds) s")
            #expect(refused.stderr.lowercased().contains("lock") && refused.stderr.contains("\(runner.pid)"),
                    "the message should say another run (pid \(runner.pid)) holds the lock: \(refused.stderr)")
            #expect(runner.isRunning, "the winning run should still be loading")

            // A third run with --wait queues behind the winner.
            let waiter = try ws.start("run", ["--wait"])

            // Readers during the load: `query` and `status` work and only ever see whole files.
            var seen: [Int] = []
            var statusRuns = 0
            var failures: [String] = []
            // Until the load stage is complete (detection and reports follow; no need to crowd them).
            while runner.isRunning && seen.last != total {
                let q = try ws.run("query", ["--json", "select count(*) as n from trade"])
                if q.status == 0 {
                    let data = Data(q.stdout.utf8)
                    if let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]],
                       let n = (rows.first?["n"] as? NSNumber)?.intValue {
                        seen.append(n)
                    }
                } else if !seen.isEmpty || !q.stderr.contains("no warehouse at") {
                    failures.append("query failed while the run held the lock: \(q)")
                }
                if seen.count % 5 == 1 {
                    let s = try ws.run("status")
                    if s.status == 0 { statusRuns += 1 } else if !seen.isEmpty || !s.stderr.contains("no warehouse at") { failures.append("status failed: \(s)") }
                }
            }
            let finished = runner.wait()
            #expect(finished.status == 0, "\(finished)")
            #expect(failures.isEmpty, "\(failures)")
            #expect(seen.count >= 3, "too few reads during the load: \(seen)")
            #expect(statusRuns >= 1, "status never ran during the load")
            let halfLoaded = seen.filter { !cumulative.contains($0) }
            #expect(halfLoaded.isEmpty, "a reader saw a half-loaded file: \(halfLoaded) not in \(cumulative.sorted())")
            #expect(Set(seen).count >= 2, "the reads should catch the load in progress: \(seen)")
            print("concurrency: counts seen during the load \(seen); per-file totals \(cumulative.sorted())")

            let waited = waiter.wait()
            #expect(waited.status == 0, "the --wait run: \(waited)")
            #expect(waited.stdout.contains("(0 loaded"), "the waiting run should find nothing new: \(waited.stdout)")
            #expect(try ws.scalarInt("select count(*) from trade") == total)
            #expect(try ws.scalarInt("select count(*) from runs where status = 'succeeded'") == 2)
        }
    }
}
