import Foundation
import TradeCore
import Yams

/// A composed YAML file with located access to its nodes; every problem becomes a located `Diagnostic`.
struct YAMLDocument {
    let display: String
    let root: Node?

    /// Reads and composes `url`; a syntax error is reported at the line and column Yams gives.
    init(url: URL, display: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw Diagnostic("cannot read file: \(ErrorText.reason(error))", at: SourceLocation(file: display, line: 1))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic("file is not valid UTF-8", at: SourceLocation(file: display, line: 1))
        }
        try self.init(text: text, display: display)
    }

    /// Nodes a document may hold once its aliases are expanded. Composing shares an aliased node
    /// rather than copying it, but every walk over the tree (`located`, the decoders) visits it once
    /// per alias: nine levels of ten aliases are 10⁹ nodes from a few hundred bytes.
    static let maxExpandedNodes = 100_000

    /// Aliases a document may use. Yams hashes a mapping's keys while composing, before
    /// `checkExpansion` can run, so an alias bomb used as a *key* would cost its whole expansion
    /// there; with at most 32 aliases no expansion reaches a few hundred thousand nodes. Definitions
    /// need few aliases or none.
    static let maxAliases = 32

    init(text: String, display: String) throws {
        self.display = display
        try Self.checkAliasCount(text, display: display)
        do {
            // The parser owns the anchors the nodes point to (weakly): it must outlive the check.
            let parser = try Parser(yaml: text)
            root = try parser.singleRoot()
            if let root { try withExtendedLifetime(parser) { try checkExpansion(root) } }
        } catch let error as YamlError {
            throw Self.diagnostic(for: error, display: display)
        }
    }

    /// Refuses a text with more than `maxAliases` alias tokens (`*name` starting a node: at a line's
    /// start or after whitespace, `[`, `{` or `,`), at the first one over the limit. It counts, it
    /// does not parse: a `*word` in a comment counts too, which only makes the bound stricter.
    static func checkAliasCount(_ text: String, display: String) throws {
        var count = 0, line = 1, column = 0
        var previous: UInt8 = 0x0A
        let separators: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x5B, 0x7B, 0x2C]
        for byte in text.utf8 {
            column += 1
            if byte == 0x2A, separators.contains(previous) {
                count += 1
                if count > maxAliases {
                    throw Diagnostic("more than \(maxAliases) YAML aliases (an alias bomb?); a definition needs few or none",
                                     at: SourceLocation(file: display, line: line, column: column))
                }
            }
            if byte == 0x0A { line += 1; column = 0 }
            previous = byte
        }
    }

    /// Refuses a document that expands to more than `maxExpandedNodes` nodes, at the first node
    /// whose expansion passes the limit. Each anchored node is measured once, so this is linear in
    /// the document, not in its expansion. (Yams' own duplicate-key check hashes a mapping's keys
    /// while composing, before this runs: `checkAliasCount` bounds that.)
    private func checkExpansion(_ root: Node) throws {
        var measured: [ObjectIdentifier: Int] = [:]
        func size(_ node: Node) throws -> Int {
            let anchor = node.anchor.map(ObjectIdentifier.init)
            if let anchor, let known = measured[anchor] { return known }
            var total = 1
            func add(_ child: Node) throws {
                total += try size(child)
                guard total <= Self.maxExpandedNodes else {
                    throw Diagnostic("YAML aliases expand this to more than \(Self.maxExpandedNodes) nodes (an alias bomb?)",
                                     at: location(node))
                }
            }
            switch node {
            case .mapping(let mapping): for (key, value) in mapping { try add(key); try add(value) }
            case .sequence(let sequence): for child in sequence { try add(child) }
            case .scalar, .alias: break
            }
            if let anchor { measured[anchor] = total }
            return total
        }
        _ = try size(root)
    }

    static func diagnostic(for error: YamlError, display: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: display, line: mark.line, column: mark.column) }
        func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return "YAML syntax: \(problem)" }
            return "YAML syntax: \(problem) (\(context.text) at \(context.mark.line):\(context.mark.column))"
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return Diagnostic(withContext(problem, context), at: at(mark))
        case let .reader(problem, offset, _, yaml):
            var line = 1, column = 1
            if let offset {
                for ch in yaml.prefix(offset) {
                    if ch == "\n" { line += 1; column = 1 } else { column += 1 }
                }
            }
            return Diagnostic("YAML cannot be read: \(problem)", at: SourceLocation(file: display, line: line, column: column))
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return Diagnostic("duplicate key \(keys)", at: at(context.mark))
        default:
            return Diagnostic("YAML error: \(error)", at: SourceLocation(file: display, line: 1))
        }
    }

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: display, line: 1, column: 1) }
        return SourceLocation(file: display, line: mark.line, column: mark.column)
    }

    var start: SourceLocation { SourceLocation(file: display, line: 1, column: 1) }

    /// The root as a mapping of string keys (in file order), or a located error.
    func rootMapping(what: String) throws -> [(key: String, keyNode: Node, value: Node)] {
        guard let root else { throw Diagnostic("empty file: expected a mapping of \(what)", at: start) }
        return try mapping(root, what: what)
    }

    func mapping(_ node: Node, what: String) throws -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let m) = node else {
            throw Diagnostic("expected a mapping of \(what), found \(kind(node))", at: location(node))
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else {
                throw Diagnostic("expected a plain key, found \(kind(k))", at: location(k))
            }
            pairs.append((s.string, k, v))
        }
        return pairs
    }

    func scalar(_ node: Node, what: String) throws -> String {
        guard case .scalar(let s) = node else {
            throw Diagnostic("\(what) must be a single value, found \(kind(node))", at: location(node))
        }
        return s.string
    }

    /// A scalar or a list of scalars, as a list with each element's location.
    func scalarList(_ node: Node, what: String) throws -> [(String, SourceLocation)] {
        switch node {
        case .scalar(let s):
            return [(s.string, location(node))]
        case .sequence(let seq):
            return try seq.map { (try scalar($0, what: "each entry of \(what)"), location($0)) }
        default:
            throw Diagnostic("\(what) must be a value or a list of values, found \(kind(node))", at: location(node))
        }
    }

    func bool(_ node: Node, what: String) throws -> Bool {
        let text = try scalar(node, what: what)
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw Diagnostic("\(what) must be true or false, found \"\(text)\"", at: location(node))
        }
    }

    func number(_ node: Node, what: String) throws -> Double {
        let text = try scalar(node, what: what)
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any,
              let value = Double(text.replacingOccurrences(of: "_", with: "")), value.isFinite else {
            throw Diagnostic("\(what) must be a number, found \"\(text)\"", at: location(node))
        }
        return value
    }

    /// Any node as a `LocatedValue` tree (for free-form `options`).
    func located(_ node: Node) throws -> LocatedValue {
        switch node {
        case .scalar(let s):
            return LocatedValue(.scalar(s.string), at: location(node))
        case .sequence(let seq):
            return LocatedValue(.list(try seq.map { try located($0) }), at: location(node))
        case .mapping:
            var map: [String: LocatedValue] = [:]
            for pair in try mapping(node, what: "options") { map[pair.key] = try located(pair.value) }
            return LocatedValue(.map(map), at: location(node))
        case .alias:
            throw Diagnostic("YAML aliases are not supported here", at: location(node))
        }
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "the value \"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
