import Foundation

/// The fetch tests' HTTP server on 127.0.0.1: `Tests/TradeFetchTests/Fixtures/loopback_server.py`,
/// started by the test and stopped by it, answering from routes the test writes (see the script).
public final class LoopbackServer: @unchecked Sendable {
    public let directory: URL
    public let port: Int
    private let process: Process

    /// Starts the server with `routes`; waits until it listens.
    public init(routes: [[String: Any]]) throws {
        let fm = FileManager.default
        directory = fm.temporaryDirectory.appendingPathComponent("loopback-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TradeFetchTests/Fixtures/loopback_server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, directory.path]
        try Self.write(routes, to: directory.appendingPathComponent("routes.json"))
        try process.run()
        let portFile = directory.appendingPathComponent("port")
        let deadline = Date().addingTimeInterval(20)
        while !fm.fileExists(atPath: portFile.path) {
            guard Date() < deadline, process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "loopback server did not start"])
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        port = Int(try String(contentsOf: portFile, encoding: .utf8)) ?? 0
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Replaces the routes (the server reads them at each request; response counters stay).
    public func setRoutes(_ routes: [[String: Any]]) throws {
        try Self.write(routes, to: directory.appendingPathComponent("routes.json"))
    }

    /// Every request so far: path, query string and headers.
    public func requests() throws -> [(path: String, query: String, headers: [String: String])] {
        let url = directory.appendingPathComponent("requests.jsonl")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return (object["path"] as? String ?? "", object["query"] as? String ?? "",
                    object["headers"] as? [String: String] ?? [:])
        }
    }

    public func stop() {
        if process.isRunning {
            // SIGKILL: a child inherits the test runner's blocked signals, SIGTERM among them.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private static func write(_ routes: [[String: Any]], to url: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: routes)
        let temporary = url.appendingPathExtension("tmp")
        try data.write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
