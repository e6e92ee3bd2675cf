import Foundation
import TradeConfig

/// Fetches the published files of an `api: http` source with conditional GET: the `ETag` and
/// `Last-Modified` of the copy last downloaded go out as `If-None-Match` / `If-Modified-Since`, and
/// a `304 Not Modified` writes nothing.
public struct FileFetcher {
    let target: FetchTarget

    public init(_ target: FetchTarget) {
        self.target = target
    }

    /// The file a URL is written to, relative to the raw directory: its last path component.
    public static func fileName(folder: String, url: URL) -> String {
        let last = url.lastPathComponent
        let safe = last.isEmpty || last == "/" || last.hasPrefix(".") ? "index" : last
        return "\(folder)/\(safe)"
    }

    public func plan() -> FetchOutcome {
        var outcome = FetchOutcome(source: target.source)
        outcome.planned = target.fetch.urls.map { "GET \($0.absoluteString)  (conditional)" }
        return outcome
    }

    public func run() throws -> FetchOutcome {
        var outcome = FetchOutcome(source: target.source)
        var stopped = false
        for url in target.fetch.urls {
            let name = Self.fileName(folder: target.folder, url: url)
            var call = FetchCall(source: target.source, url: url.absoluteString)
            do {
                guard !stopped else { throw FetchFailure.budgetSpent(budget: target.fetch.dailyCallBudget) }
                if let file = try get(url, name: name, call: &call) { outcome.files.append(file) }
            } catch let failure as FetchFailure {
                if failure.stopsSource { stopped = true }
                call.note(failure)
                call.error = failure.description
                outcome.failures.append("\(target.source): \(url.absoluteString): \(failure)")
            }
            outcome.tries += call.tries
            try target.state.record(call)
        }
        return outcome
    }

    /// One conditional GET; the file written, or nil when the server's copy is unchanged.
    private func get(_ url: URL, name: String, call: inout FetchCall) throws -> String? {
        let file = target.rawDirectory.appendingPathComponent(name)
        // Validators count only while the file they describe is still there.
        let known = try FileManager.default.fileExists(atPath: file.path)
            ? target.state.validators(source: target.source, url: url.absoluteString) : nil
        var headers: [(String, String)] = []
        if let etag = known?.etag { headers.append(("If-None-Match", etag)) }
        if let modified = known?.lastModified { headers.append(("If-Modified-Since", modified)) }
        let response = try target.http.get(url, headers: headers)
        call.httpStatus = response.status
        call.tries = response.tries
        if response.status == 304 { return nil }
        guard response.status == 200 else {
            throw FetchFailure.refused(status: response.status, message: "the server refused the download")
        }
        if let length = response.header("Content-Length").flatMap(Int.init), length != response.body.count {
            throw FetchFailure.invalidResponse("the body has \(response.body.count) bytes, Content-Length says \(length)")
        }
        try AtomicFile.write(response.body, to: file)
        call.files = [name]
        try target.state.storeValidators(source: target.source, url: url.absoluteString,
                                         HTTPValidators(etag: response.header("ETag"), lastModified: response.header("Last-Modified")))
        return name
    }
}
