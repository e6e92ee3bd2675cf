import Foundation
import TradeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a run's report as self-contained HTML, Markdown (for cron mail) and JSON (for machines),
/// and writes the files. Every format shows the same filtered cases in rank order, each with its
/// findings, then any finding of no case.
public struct ReportWriter: Sendable {
    public var filter: ReportFilter

    public init(filter: ReportFilter = .all) {
        self.filter = filter
    }

    /// The cases and findings every format shows, in order.
    public func layout(_ input: ReportInput) -> ReportLayout {
        filter.layout(input)
    }

    /// The findings every format shows, in the order shown: case by case, then those of no case.
    public func findings(_ input: ReportInput) -> [ReportFinding] {
        layout(input).findings
    }

    /// Writes `run-<id>.html/.md/.json` and `latest.html/.md/.json` in `directory` (created if missing).
    ///
    /// All three documents are rendered before anything is written; each file is written to a
    /// temporary name in the same directory and renamed over the target, so a reader never sees a
    /// half-written file. Returns the six URLs, run files first.
    public func write(_ input: ReportInput, to directory: URL, runID: Int64) throws -> [URL] {
        let documents: [(ext: String, data: Data)] = [
            ("html", Data(html(input).utf8)),
            ("md", Data(markdown(input).utf8)),
            ("json", try json(input)),
        ]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportWriteError(path: directory.path, reason: "cannot create the reports directory: \(ErrorText.reason(error))")
        }
        Self.removeOrphanedTemporaries(in: directory)
        var written: [URL] = []
        for stem in ["run-\(runID)", "latest"] {
            for document in documents {
                let target = directory.appendingPathComponent("\(stem).\(document.ext)")
                try Self.replaceAtomically(target, with: document.data)
                written.append(target)
            }
        }
        return written
    }

    /// Writes `data` next to `target` under a temporary name (`.<name>.<pid>.<uuid>.tmp`), then
    /// renames it over `target`; a failed write (a full disk) removes what it wrote.
    static func replaceAtomically(_ target: URL, with data: Data) throws {
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            unlink(temporary.path)
            throw ReportWriteError(path: temporary.path, reason: "cannot write: \(ErrorText.reason(error))")
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw ReportWriteError(path: target.path, reason: "cannot rename into place: \(reason)")
        }
    }

    /// Removes the temporary files of writers that died before renaming them (killed mid-write):
    /// those whose pid no longer runs, and, from writers that did not tag them with a pid, those an
    /// hour old. A live writer's files (another `tradewatch report`) are left alone.
    static func removeOrphanedTemporaries(in directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.split(separator: ".")
            guard let stem = parts.first, stem == "latest" || stem.hasPrefix("run-") else { continue }
            let path = directory.appendingPathComponent(name).path
            if parts.count >= 5, let pid = Int32(parts[parts.count - 3]) {
                if kill(pid, 0) != 0 && errno == ESRCH { unlink(path) }
            } else if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                      modified.timeIntervalSinceNow < -3600 {
                unlink(path)
            }
        }
    }
}

/// A report could not be written or encoded; names the file and why.
public struct ReportWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): error: \(reason)" }
}
