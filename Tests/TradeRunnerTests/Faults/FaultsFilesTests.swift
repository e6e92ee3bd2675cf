import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension FaultsWorkspace {
    /// Runs a command without the power to override file permissions: as root (the usual test
    /// container), through `setpriv` with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped, so a
    /// folder without read permission or a read-only folder behaves as it does for an analyst.
    func runWithoutPermissionOverride(_ command: String, _ extra: [String] = []) throws -> FaultsKit.Outcome {
        guard geteuid() == 0 else { return try run(command, extra) }
        let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
        try #require(FileManager.default.isExecutableFile(atPath: setpriv.path), "running as root needs /usr/bin/setpriv")
        return try FaultsKit.run(setpriv, ["--bounding-set", "-dac_override,-dac_read_search", "--", FaultsKit.binary.path]
                                 + arguments(command, extra), cwd: root)
    }

    /// Creates `folder/<name bytes>` (a name that may not be UTF-8) holding `contents`.
    func createFile(in folder: String, nameBytes: [UInt8], contents: String) throws {
        let path = Array(raw.appendingPathComponent(folder).path.utf8) + [UInt8(ascii: "/")] + nameBytes + [0]
        let fd = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        try #require(fd >= 0, "cannot create the file: \(String(cString: strerror(errno)))")
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        #expect(write(fd, bytes, bytes.count) == bytes.count)
    }

    /// The latest run's status in the ledger.
    func lastRunStatus() throws -> String {
        try scalar("select status from runs order by id desc limit 1")
    }
}

extension Faults {
    /// What the raw directory, the lock file and the reports directory may hold besides good files:
    /// each odd entry is one located error, the rest loads, and nothing outside is touched.
    @Suite struct Files {
        static let customsFiles = 8  // Raw/china-customs/*.csv in the sample

        /// A GBK name (出口2024.csv, as unzipping a Chinese archive leaves it) is one located error
        /// naming its bytes; the folder's other files still load, and nothing says "matches no definition".
        @Test func nameThatIsNotUTF8IsOneLocatedErrorAndTheFolderLoads() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("gbk-name", rawFolders: ["china-customs"])
            try ws.createFile(in: "china-customs", nameBytes: [0xB3, 0xF6, 0xBF, 0xDA] + Array("2024.csv".utf8),
                              contents: "数据年月,商品编码\n")
            let outcome = try ws.run("load")
            #expect(outcome.status == 1, "\(outcome)")
            let lines = outcome.stderr.split(separator: "\n").filter { $0.contains("not valid UTF-8") }
            #expect(lines.count == 1, "\(outcome.stderr)")
            #expect(lines.first?.contains(#"Raw/china-customs/\xB3\xF6\xBF\xDA2024.csv:1: error: file name is not valid UTF-8 (as GB18030 it reads "出口2024.csv")"#) == true,
                    "\(lines)")
            #expect(!outcome.stderr.contains("matches no source definition"), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("NSCocoaErrorDomain") && !outcome.stderr.contains("Pipelines/"), "\(outcome.stderr)")
            #expect(try ws.scalarInt("select count(*) from files") == Self.customsFiles)
            #expect(try ws.scalarInt("select count(*) from file_errors") == 1)
        }

        /// A FIFO is refused as "not a regular file" without being opened (opening one blocks until
        /// a writer comes), whether a pattern matches it or not; the other files load.
        @Test func fifoIsNotARegularFileAndIsNeverOpened() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("fifo", rawFolders: ["china-customs"])
            for name in ["china-customs/pipe.csv", "china-customs/pipe.fifo"] {
                #expect(mkfifo(ws.raw.appendingPathComponent(name).path, 0o644) == 0)
            }
            let outcome = try ws.run("load", timeout: 60)
            #expect(outcome.status == 1, "\(outcome)")
            for name in ["pipe.csv", "pipe.fifo"] {
                #expect(outcome.stderr.contains("Raw/china-customs/\(name):1: error: not a regular file (a FIFO); not read"),
                        "\(name): \(outcome.stderr)")
            }
            #expect(!outcome.stderr.contains("matches no source definition"), "\(outcome.stderr)")
            #expect(try ws.scalarInt("select count(*) from file_errors") == 2)
            #expect(try ws.scalarInt("select count(*) from files") == Self.customsFiles)
        }

        /// A folder the run may not read is one located error at the folder, not a raw NSError blamed
        /// on the YAML; the files beside it load.
        @Test func unreadableFolderIsOneLocatedErrorAtTheFolder() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("unreadable", rawFolders: ["china-customs"])
            let hidden = ws.raw.appendingPathComponent("china-customs/2026")
            try FileManager.default.createDirectory(at: hidden, withIntermediateDirectories: true)
            try Data("x\n".utf8).write(to: hidden.appendingPathComponent("exports-2026.csv"))
            #expect(chmod(hidden.path, 0) == 0)
            defer { chmod(hidden.path, 0o755) }
            let outcome = try ws.runWithoutPermissionOverride("load")
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("Raw/china-customs/2026/:1: error: cannot read folder: Permission denied"),
                    "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("Pipelines/") && !outcome.stderr.contains("NSCocoaErrorDomain"), "\(outcome.stderr)")
            #expect(try ws.scalarInt("select count(*) from file_errors") == 1)
            #expect(try ws.scalarInt("select count(*) from files") == Self.customsFiles)
        }

        /// The lock file is truncated and written: one that is a symlink is refused, and its target
        /// (here a file the run must never touch) keeps its content.
        @Test func symlinkedLockFileIsRefusedAndItsTargetUntouched() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("lock-link", rawFolders: [], files: ["china-customs/exports-2024.csv"])
            let victim = ws.root.appendingPathComponent("victim.txt")
            try Data("precious\n".utf8).write(to: victim)
            try FileManager.default.createDirectory(at: ws.warehouseURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: ws.warehouseURL.path + ".lock", withDestinationPath: victim.path)
            let outcome = try ws.run("load")
            #expect(outcome.status != 0, "\(outcome)")
            #expect(outcome.stderr.contains("symbolic link"), "\(outcome.stderr)")
            #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
        }

        /// `--raw Raw`, `./Raw`, `Raw/` and the absolute path name one directory: after the first
        /// load every other spelling finds every file unchanged, and no count doubles.
        @Test func everySpellingOfTheRawDirectoryIsTheSameManifest() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("raw-spelling", rawFolders: ["china-customs"],
                                         files: ["comtrade/us-china-2846-280530-2020-2021.csv"])
            let first = try ws.run("load")
            #expect(first.status == 0, "\(first)")
            let files = try ws.scalarInt("select count(*) from files")
            let rejected = try ws.scalarInt("select count(*) from rejected_rows")
            let trade = try ws.scalarInt("select count(*) from trade")
            #expect(files == Self.customsFiles + 1)
            for spelling in ["./Raw", "Raw/", ws.raw.path, "Raw/../Raw"] {
                var arguments = ws.arguments("load")
                arguments[arguments.firstIndex(of: "--raw")! + 1] = spelling
                let again = try FaultsKit.run(FaultsKit.binary, arguments, cwd: ws.root)
                #expect(again.status == 0, "\(spelling): \(again)")
                #expect(again.stdout.contains("(0 loaded, \(files) unchanged, 0 failed)"), "\(spelling): \(again.stdout)")
                #expect(try ws.scalarInt("select count(*) from files") == files, "\(spelling)")
                #expect(try ws.scalarInt("select count(*) from rejected_rows") == rejected, "\(spelling)")
                #expect(try ws.scalarInt("select count(*) from trade") == trade, "\(spelling)")
            }
        }

        /// A warehouse whose manifest predates keying (no `raw_key`, as every warehouse loaded
        /// before did) is keyed by the first load, under any spelling of `--raw`: nothing reloads.
        @Test func unkeyedManifestIsAdoptedWithoutReloading() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("raw-legacy", rawFolders: ["china-customs"])
            #expect(try ws.run("load").status == 0)
            try ws.stripManifestKeys()
            var arguments = ws.arguments("load")
            arguments[arguments.firstIndex(of: "--raw")! + 1] = "./Raw"
            let again = try FaultsKit.run(FaultsKit.binary, arguments, cwd: ws.root)
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout.contains("(0 loaded, \(Self.customsFiles) unchanged, 0 failed)"), "\(again.stdout)")
            #expect(try ws.scalarInt("select count(*) from files where not superseded") == Self.customsFiles)
        }

        /// A run whose reports cannot be written is not recorded `succeeded`, and exits non-zero.
        @Test func runWhoseReportsCannotBeWrittenIsNotSucceeded() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("report-fails", rawFolders: [], files: ["china-customs/exports-2024.csv"])
            try Data("a file where the reports folder should be\n".utf8).write(to: ws.root.appendingPathComponent("R"))
            let outcome = try ws.run("run")
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("R: error: cannot create the reports directory"), "\(outcome.stderr)")
            #expect(try ws.lastRunStatus() == "failed")
        }

        /// A run whose reports fail half-way (`latest.md` cannot be replaced: a folder holds its
        /// name) is recorded `failed`, not `succeeded`, and leaves no temporary file; a killed run's
        /// temporary file (its pid gone) is removed by the next run, which succeeds once the
        /// reports can be written.
        @Test func runWhoseReportsFailHalfWayIsNotSucceededAndLeavesNoTemporaries() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("report-half", rawFolders: [], files: ["china-customs/exports-2024.csv"])
            let reports = ws.root.appendingPathComponent("R")
            let blocker = reports.appendingPathComponent("latest.md/keep")
            try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: true)
            let orphan = ".latest.html.9999999.\(UUID().uuidString).tmp"  // past pid_max: no such process
            try Data("partial".utf8).write(to: reports.appendingPathComponent(orphan))
            let outcome = try ws.run("run")
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("R/latest.md: error: cannot rename into place"), "\(outcome.stderr)")
            #expect(try ws.lastRunStatus() == "failed")
            func temporaries() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: reports.path).filter { $0.hasSuffix(".tmp") }
            }
            #expect(try temporaries() == [])
            try FileManager.default.removeItem(at: reports.appendingPathComponent("latest.md"))
            let next = try ws.run("run")
            #expect(next.status == 0, "\(next)")
            #expect(try ws.lastRunStatus() == "succeeded")
            #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent("latest.md").path))
        }

        /// A warehouse in a folder the reader may not write (no `-shm` can be made there) can still be queried.
        @Test func warehouseInReadOnlyFolderCanBeQueried() throws {
            try FaultsKit.requireBinary()
            let ws = try FaultsWorkspace("ro-folder", rawFolders: [], files: ["china-customs/exports-2024.csv"])
            #expect(try ws.run("load").status == 0)
            let folder = ws.warehouseURL.deletingLastPathComponent()
            #expect(chmod(folder.path, 0o555) == 0)
            defer { chmod(folder.path, 0o755) }
            let outcome = try ws.runWithoutPermissionOverride("query", ["--json", "select count(*) as n from files"])
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stdout.contains("\"n\"") && outcome.stdout.contains("1"), "\(outcome.stdout)")
            let status = try ws.runWithoutPermissionOverride("status")
            #expect(status.status == 0, "\(status)")
        }
    }
}

extension FaultsWorkspace {
    /// Makes the manifest look as it did before files were keyed by relative path.
    func stripManifestKeys() throws {
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "needs python3's sqlite3 module")
        let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('update raw_file set raw_key = null'); c.commit()"
        let outcome = try FaultsKit.run(python, ["-c", script, warehouseURL.path], cwd: root)
        try #require(outcome.status == 0, "\(outcome)")
    }
}
