import Foundation
import Logging
import TradeCore
import TradeRunner
import TradeWarehouse

/// The package root, found from this file's path (Tests/TradeRunnerTests/Support/Workspace.swift).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A throw-away copy of Pipelines/ and chosen Raw/ folders, with its own warehouse and reports.
struct Workspace {
    let root: URL

    /// Copies `Pipelines/`, `Warehouse/queries/` and the named `Raw/` subfolders (all when nil).
    static func make(rawFolders: [String]? = nil) throws -> Workspace {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("tradewatch-\(UUID().uuidString)")
        try fm.createDirectory(at: root.appendingPathComponent("Raw"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("Warehouse"), withIntermediateDirectories: true)
        try fm.copyItem(at: packageRoot.appendingPathComponent("Pipelines"), to: root.appendingPathComponent("Pipelines"))
        try fm.copyItem(at: packageRoot.appendingPathComponent("Warehouse/queries"),
                        to: root.appendingPathComponent("Warehouse/queries"))
        let folders = try rawFolders ?? fm.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Raw").path)
            .filter { name in
                var isDirectory: ObjCBool = false
                return fm.fileExists(atPath: packageRoot.appendingPathComponent("Raw/\(name)").path,
                                     isDirectory: &isDirectory) && isDirectory.boolValue
            }
        for folder in folders {
            try fm.copyItem(at: packageRoot.appendingPathComponent("Raw/\(folder)"),
                            to: root.appendingPathComponent("Raw/\(folder)"))
        }
        return Workspace(root: root)
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    var warehousePath: String { path("Warehouse/tradewatch.sqlite") }

    var options: RunOptions {
        RunOptions(warehousePath: warehousePath, rawDirectory: path("Raw"), pipelinesDirectory: path("Pipelines"),
                   reportsDirectory: path("Warehouse/reports"))
    }

    func pipeline() -> CommandRunner {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return CommandRunner(options: options, logger: logger)
    }

    /// Writes a file under the workspace, creating folders.
    func write(_ relative: String, _ data: Data) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func write(_ relative: String, _ text: String) throws { try write(relative, Data(text.utf8)) }

    /// Runs read-only SQL and returns the rows as text.
    func rows(_ sql: String) throws -> [[String]] {
        var rows: [[String]] = []
        try Warehouse.openReadOnly(path: warehousePath).query(sql, columns: { _ in }, row: { rows.append($0.map(\.text)) })
        return rows
    }

    func scalar(_ sql: String) throws -> String { try rows(sql).first?.first ?? "" }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The result of running the `tradewatch` binary.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the debug `tradewatch` binary (built by `swift build --build-tests` / `make test`).
func tradewatch(_ arguments: [String], in directory: URL, stdin: FileHandle? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = packageRoot.appendingPathComponent(".build/debug/tradewatch")
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin ?? FileHandle.nullDevice
    try process.run()
    // Read both pipes before waiting so a chatty child cannot block on a full pipe.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}
