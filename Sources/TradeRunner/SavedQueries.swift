import Foundation
import TradeCore

/// The analyst's saved queries: `<name>.sql` files in a folder (`Warehouse/queries/`), each
/// described by its first comment line.
public struct SavedQueries: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The folder next to the warehouse file (`Warehouse/queries` for `Warehouse/tradewatch.sqlite`).
    public init(warehousePath: String) {
        let folder = (warehousePath as NSString).deletingLastPathComponent
        directory = folder.isEmpty ? "queries" : folder + "/queries"
    }

    /// Name and first comment line of each saved query, by name.
    public func list() throws -> [(name: String, description: String)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw RunFailure(.usage, "tradewatch: error: cannot list saved queries in \(PathChecks.absolute(directory)): \(ErrorText.reason(error)) (see --queries)")
        }
        return try names.filter { $0.hasSuffix(".sql") && !$0.hasPrefix(".") }.sorted().map { file in
            let name = String(file.dropLast(4))
            let firstComment = try text(of: name).split(separator: "\n").lazy
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("--") }
                .map { String($0.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
            return (name, firstComment ?? "")
        }
    }

    /// The SQL of the saved query `name`; an unknown name is a usage error listing the known ones.
    public func text(of name: String) throws -> String {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw RunFailure(.usage, "tradewatch: error: --saved takes a query name (a file of \(directory) without .sql), not \(name)")
        }
        let path = directory + "/" + name + ".sql"
        guard let data = FileManager.default.contents(atPath: path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
                .filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted() ?? []
            throw RunFailure(.usage, "tradewatch: error: no saved query \"\(name)\" in \(PathChecks.absolute(directory))"
                + (known.isEmpty ? "" : " (saved: \(known.joined(separator: ", ")))"))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `--list-saved`: one line per query, name then description.
    public func listing() throws -> String {
        let queries = try list()
        let width = queries.map(\.name.count).max() ?? 0
        return queries.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.description + "\n" }.joined()
    }

    /// `-p name value …` as flat pairs, or a usage error.
    public static func parameters(_ flat: [String]) throws -> [String: String] {
        guard flat.count % 2 == 0 else {
            throw RunFailure(.usage, "tradewatch: error: -p takes a name and a value (-p code 28469014)")
        }
        var out: [String: String] = [:]
        for i in stride(from: 0, to: flat.count, by: 2) {
            var name = flat[i]
            if let first = name.first, ":@$".contains(first) { name.removeFirst() }
            guard !name.isEmpty, out[name] == nil else {
                throw RunFailure(.usage, "tradewatch: error: -p \(flat[i]) is given twice or has no name")
            }
            out[name] = flat[i + 1]
        }
        return out
    }
}
