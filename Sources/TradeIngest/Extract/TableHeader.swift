import Foundation
import TradeCore

/// Header names of a table file mapped to column indexes, with located errors for missing columns.
public struct TableHeader: Sendable {
    public let names: [String]
    public let line: Int
    public let file: String
    private let index: [String: Int]

    public init(names: [String], line: Int, file: String) {
        self.names = names
        self.line = line
        self.file = file
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[Self.key(name)] == nil { index[Self.key(name)] = i }
        self.index = index
    }

    static func key(_ name: String) -> String { name.trimmingCharacters(in: .whitespaces).lowercased() }

    /// Index of the first of `alternatives` present in the header.
    public func column(_ alternatives: [String]) -> Int? {
        for name in alternatives { if let i = index[Self.key(name)] { return i } }
        return nil
    }

    /// Index of a required column, or a located error naming it and what the header has.
    public func require(_ alternatives: [String], field: String, source: String? = nil) throws -> Int {
        if let i = column(alternatives) { return i }
        let wanted = alternatives.map { "\"\($0)\"" }.joined(separator: " or ")
        throw Diagnostic("required column \(wanted) (\(field)) not found; the header has: \(names.joined(separator: ", "))",
                         at: SourceLocation(file: file, line: line, column: 1), source: source)
    }
}
