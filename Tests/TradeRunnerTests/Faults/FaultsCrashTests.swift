import Foundation
import Testing
import TradeTestSupport
#if canImport(Glibc)
import Glibc
#endif

extension Faults {
    /// SIGKILL during a multi-file load: every file is in the warehouse whole or not at all,
    /// the killed run stays `running` in the ledger until the next run closes it as failed, its lock does not outlive it, and a rerun
    /// converges on exactly what an undisturbed load produces.
    @Suite struct Crash {
        /// The China customs sample (8 files), the Comtrade sample (2) and a synthetic Comtrade
        /// file loaded last (`zz-…`), big enough that most kills land inside it.
        /// `TRADEWATCH_FAULTS_BIG_ROWS` sets its size (default 20,000 rows ≈ 4 s in a debug build;
        /// 173,280 is the most the synthetic key space holds).
        static func workspace() throws -> FaultsWorkspace {
            let ws = try FaultsWorkspace("crash", rawFolders: ["china-customs", "comtrade"])
            let rows = FaultsKit.environmentInt("TRADEWATCH_FAULTS_BIG_ROWS", 20_000)
            try FaultsKit.writeSyntheticComtrade(to: ws.raw.appendingPathComponent("comtrade/zz-synthetic.csv"), rows: rows)
            return ws
        }

        @Test func sigkillDuringLoadLeavesWholeFilesAndARerunConverges() throws {
            try FaultsKit.requireBinary()
            let ws = try Self.workspace()

            // The undisturbed load, in its own warehouse: the expected end state and every
            // intermediate state (file by file, in load order).
            ws.warehouse = "ref/tradewatch.sqlite"
            let reference = try ws.run("load")
            try #require(reference.status == 0, "undisturbed load: \(reference)")
            let expected = try FaultsSnapshot(ws)
            let order = try ws.query("select path, rows_loaded, rows_rejected from files order by id")
            var cumulativeHistory = [0], cumulativeRejected = [0]
            for row in order {
                cumulativeHistory.append(cumulativeHistory.last! + Int(row["rows_loaded"]!)!)
                cumulativeRejected.append(cumulativeRejected.last! + Int(row["rows_rejected"]!)!)
            }
            let paths = order.map { $0["path"]! }
            let loadSeconds = reference.seconds

            ws.warehouse = "W/tradewatch.sqlite"
            var rng = SeededGenerator(seed: FaultsKit.seed)
            let episodes = 4, killsPerEpisode = max(1, FaultsKit.environmentInt("TRADEWATCH_FAULTS_KILLS", 20) / 4)
            var landed = 0
            var filesAtKill: [Int] = []
            for episode in 0..<episodes {
                ws.removeWarehouse()
                for kill in 0..<killsPerEpisode {
                    let delay = Double.random(in: 0.05...(0.5 * loadSeconds), using: &rng)
                    let context = "episode \(episode) kill \(kill) after \(String(format: "%.2f", delay)) s (seed \(FaultsKit.seed))"
                    let process = try ws.start("load")
                    usleep(UInt32(delay * 1_000_000))
                    let wasRunning = process.isRunning
                    process.kill(SIGKILL)
                    let outcome = process.wait()
                    guard wasRunning && outcome.signaled else {
                        print("crash: \(context): the load was not running when killed: \(outcome)")
                        continue
                    }
                    landed += 1
                    guard FileManager.default.fileExists(atPath: ws.warehouseURL.path) else { continue }

                    // Structure intact; the files present are a prefix of the load order, each whole.
                    #expect(try ws.scalar("pragma integrity_check") == "ok", "\(context)")
                    let present = try ws.query("select path from files order by id").map { $0["path"]! }
                    let k = present.count
                    filesAtKill.append(k)
                    #expect(present == Array(paths.prefix(k)), "\(context): files \(present)")
                    #expect(try ws.scalarInt("select count(*) from trade_history") == cumulativeHistory[min(k, paths.count)],
                            "\(context): \(k) files but trade_history does not hold exactly their rows")
                    #expect(try ws.scalarInt("select count(*) from rejected_rows") == cumulativeRejected[min(k, paths.count)],
                            "\(context): rejected rows of a file that is not (wholly) loaded")
                    #expect(try ws.scalarInt("select count(*) from raw_file where state = 'loading'") == 0,
                            "\(context): a file left half-registered")
                    // A killed run that had not recorded its end stays `running`: the ledger must not call
                    // it a success. The kill can also land after the run recorded its end (between
                    // finishRun and exit, e.g. a run with nothing left to load); then it did succeed,
                    // and every file is in.
                    let last = try ws.query("select status, finished_at from runs order by id desc limit 1")
                    if let run = last.first {
                        if run["status"] == "succeeded" {
                            #expect(k == paths.count && run["finished_at"] != "NULL",
                                    "\(context): a success recorded with \(k) of \(paths.count) files: ledger \(run)")
                        } else {
                            #expect(run["status"] == "running" && run["finished_at"] == "NULL", "\(context): ledger \(run)")
                        }
                    }
                }
                // The killed runs' lock died with them: the next load starts at once and completes.
                let rerun = try ws.run("load")
                #expect(rerun.status == 0, "episode \(episode) rerun: \(rerun)")
                let converged = try FaultsSnapshot(ws)
                #expect(converged == expected, "episode \(episode): after kills and a rerun\n\(converged)\nundisturbed\n\(expected)")
                #expect(try ws.scalar("pragma integrity_check") == "ok")
                #expect(try ws.scalar("select status from runs order by id desc limit 1") == "succeeded")
                // The rerun closed the killed runs: none is left looking live.
                #expect(try ws.scalarInt("select count(*) from runs where status = 'running'") == 0)
                // A second rerun loads nothing.
                let again = try ws.run("load")
                #expect(again.status == 0 && again.stdout.contains("(0 loaded"), "\(again)")
                #expect(try FaultsSnapshot(ws) == expected)
            }
            // The kills must really have hit loads in flight, at more than one point.
            #expect(landed >= episodes * killsPerEpisode / 2, "only \(landed) kills hit a running load")
            #expect(Set(filesAtKill).count >= 2, "kills all landed at the same point: \(filesAtKill)")
            print("crash: \(landed) kills landed; files whole at each kill: \(filesAtKill); undisturbed load \(String(format: "%.1f", loadSeconds)) s")
        }

        /// The kernel drops a killed holder's `flock`: a run killed while holding the lock does not
        /// block the next one (no "stale lock" to clean by hand), and the lock file names the holder.
        @Test func lockOfAKilledRunIsReleasedByTheKernel() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("stale-lock", rawFolders: ["china-customs"])
            let process = try ws.start("load")
            // Wait until the run holds the lock (its pid is in the lock file).
            let lockPath = ws.warehouseURL.path + ".lock"
            let deadline = Date().addingTimeInterval(20)
            var holder = ""
            while Date() < deadline {
                holder = ((try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                if holder == "\(process.pid)" { break }
                usleep(10_000)
            }
            try #require(holder == "\(process.pid)", "the lock file should name the running holder")
            // Freeze the holder with the lock in hand, so it cannot finish (and release the lock)
            // before the next run tries: the sample loads in well under a second on a fast machine.
            process.kill(SIGSTOP)
            let stillHeld = ((try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(stillHeld == "\(process.pid)", "the holder finished before it could be stopped; the test needs a longer load")
            // While it holds the lock, another run is refused with exit 3.
            let refused = try ws.run("load")
            #expect(refused.status == 3, "\(refused)")
            process.kill(SIGKILL)  // a stopped process dies of SIGKILL too
            _ = process.wait()
            #expect(FileManager.default.fileExists(atPath: lockPath), "the lock file stays behind, as after a crash")
            let next = try ws.run("load", timeout: 60)
            #expect(next.status == 0, "a dead holder's lock must not block: \(next)")
            #expect(try ws.scalarInt("select count(*) from runs where status = 'running'") == 0)
            // The kill may land before the holder opened its ledger run; if it had one, it is now failed, and said so.
            let failed = try ws.scalarInt("select count(*) from runs where status = 'failed'")
            #expect(failed <= 1)
            if failed == 1 { #expect(next.stderr.contains("never finished"), "the next run says so: \(next)") }
            #expect(try ws.scalar("select status from runs order by id desc limit 1") == "succeeded")
        }
    }
}
