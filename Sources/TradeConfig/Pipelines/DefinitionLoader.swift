import Foundation
import TradeCore
import Yams

/// Reads the declarative files of `Pipelines/`: one `SourceDefinition` per source YAML,
/// and the detector thresholds. Every mistake is a `Diagnostic` located at the YAML
/// line and column (`Pipelines/china-customs.yaml:7:12: error: unknown format "csvv" …`).
///
/// Source schema (top-level keys):
/// - `name`: pipeline name stored as `trade.source` (optional, default: the file's base name)
/// - `format`: a `SourceFormat` raw value (required)
/// - `files`: a glob or list of globs relative to the raw directory (required; `*`, `?`, `**`)
/// - `ignore`: globs of files in the source's folders that are not data (a pattern with `/` is
///   relative to the raw directory, one without matches file names): never read, never reported
/// - `encoding`: `auto` (default), `utf-8`, `gb18030` (`gbk` accepted), `utf-16`
/// - `columns`: canonical field → header name, or list of alternative header names
/// - `constants`: map of field → value for fields the file does not carry (`reporter`, `flow`, `period`, `currency`)
/// - `cumulative`: true when figures are year-to-date and must be differenced (default false)
/// - `precedence`: whole number 0…`maxPrecedence`; where sources publish the same declarer, the
///   lowest wins (default: the declarer's own customs source 10, Comtrade 20, others 30)
/// - `options`: free-form map for the reader (kept with locations)
/// - `fetch`: where `tradewatch fetch` gets the files (`FetchDefinition`; its keys are checked too)
/// - `description`: free text, ignored
/// The keys the readers understand, so a misspelt `constants:` or `options:` key is an error at
/// the key rather than a setting silently ignored. The readers (TradeIngest) supply it.
public struct DefinitionVocabulary: Sendable {
    /// `constants:` keys any definition may set.
    public var constants: Set<String>
    /// `options:` keys each format's reader reads.
    public var options: [SourceFormat: Set<String>]

    public init(constants: Set<String>, options: [SourceFormat: Set<String>]) {
        self.constants = constants
        self.options = options
    }
}

public enum DefinitionLoader {
    /// YAML files in `Pipelines/` that are not source definitions.
    public static let nonSourceFiles: Set<String> = ["detectors.yaml"]

    /// Top-level keys a source definition may have.
    public static let sourceKeys = ["name", "description", "format", "files", "ignore", "encoding", "columns",
                                    "constants", "cumulative", "precedence", "options", "fetch"]

    /// The largest `precedence:` a definition may declare.
    public static let maxPrecedence = 1_000_000

    /// Encodings a definition may name (lower case; `gbk` is read as GB18030, its superset).
    public static let encodings = ["auto", "utf-8", "utf8", "gb18030", "gbk", "utf-16", "utf16"]

    /// Every `*.yaml`/`*.yml` in `directory` except `nonSourceFiles`, sorted by file name.
    /// `displayDirectory` is how the folder is named in diagnostics (e.g. `Pipelines`).
    /// Two definitions with the same `name` are an error.
    public static func loadSources(directory: URL, displayDirectory: String,
                                   vocabulary: DefinitionVocabulary? = nil) throws -> [SourceDefinition] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw Diagnostic("cannot list pipeline directory: \(ErrorText.reason(error))",
                             at: SourceLocation(file: displayDirectory, line: 1))
        }
        let files = names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !nonSourceFiles.contains($0) }
            .sorted()
        var definitions: [SourceDefinition] = []
        var seen: [String: String] = [:]
        for name in files {
            let display = displayDirectory.isEmpty ? name : "\(displayDirectory)/\(name)"
            let definition = try loadSource(file: directory.appendingPathComponent(name), display: display,
                                            vocabulary: vocabulary)
            if let other = seen[definition.name] {
                throw Diagnostic("pipeline name \"\(definition.name)\" is already used by \(other)",
                                 at: definition.location(of: "name"))
            }
            seen[definition.name] = display
            definitions.append(definition)
        }
        return definitions
    }

    /// One source definition file.
    public static func loadSource(file: URL, display: String, vocabulary: DefinitionVocabulary? = nil) throws -> SourceDefinition {
        try parseSource(YAMLDocument(url: file, display: display), vocabulary: vocabulary)
    }

    /// `name:`: letters, digits, '-', '_' or '.'.
    static func parseName(_ doc: YAMLDocument, _ value: Node) throws -> String {
        let text = try doc.scalar(value, what: "name")
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw Diagnostic("name \"\(text)\" must be letters, digits, '-', '_' or '.'", at: doc.location(value))
        }
        return text
    }

    /// `format:`: one of the `SourceFormat` raw values.
    static func parseFormat(_ doc: YAMLDocument, _ value: Node) throws -> SourceFormat {
        let text = try doc.scalar(value, what: "format")
        guard let format = SourceFormat(rawValue: text) else {
            let expected = SourceFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw Diagnostic("unknown format \"\(text)\" (expected one of: \(expected))", at: doc.location(value))
        }
        return format
    }

    /// `files:` (at least one) or `ignore:`: non-empty patterns, each located as `key.N`.
    static func parsePatterns(_ doc: YAMLDocument, _ value: Node, key: String,
                              into keyLocations: inout [String: SourceLocation]) throws -> [String] {
        let list = try doc.scalarList(value, what: key)
        if key == "files", list.isEmpty { throw Diagnostic("files must name at least one pattern", at: doc.location(value)) }
        for (i, (pattern, location)) in list.enumerated() {
            guard !pattern.isEmpty else { throw Diagnostic(key == "files" ? "empty file pattern" : "empty ignore pattern", at: location) }
            keyLocations["\(key).\(i)"] = location
        }
        return list.map(\.0)
    }

    /// `encoding:`: one of the encodings the readers transcode.
    static func parseEncoding(_ doc: YAMLDocument, _ value: Node) throws -> String {
        let text = try doc.scalar(value, what: "encoding").lowercased()
        guard encodings.contains(text) else {
            throw Diagnostic("unknown encoding \"\(text)\" (expected one of: auto, utf-8, gb18030, gbk, utf-16)",
                             at: doc.location(value))
        }
        return text
    }

    /// `precedence:`: a whole number from 0 to `maxPrecedence` (lower wins).
    static func parsePrecedence(_ doc: YAMLDocument, _ value: Node) throws -> Int {
        let text = try doc.scalar(value, what: "precedence")
        guard let rank = Int(text), (0...maxPrecedence).contains(rank) else {
            throw Diagnostic("precedence must be a whole number from 0 to \(maxPrecedence) (lower wins), found \"\(text)\"",
                             at: doc.location(value))
        }
        return rank
    }

    static func parseSource(_ doc: YAMLDocument, vocabulary: DefinitionVocabulary? = nil) throws -> SourceDefinition {
        let pairs = try doc.rootMapping(what: "source settings (format, files, …)")
        var keyLocations: [String: SourceLocation] = [:]
        var name: String?
        var format: SourceFormat?
        var patterns: [String]?
        var ignore: [String] = []
        var encoding = "auto"
        var columns: [String: [String]] = [:]
        var constants: [String: String] = [:]
        var cumulative = false
        var precedence: Int?
        var fetch: FetchDefinition?
        var options: [String: LocatedValue] = [:]
        // Where each constant and option key was written, in file order, for the vocabulary check.
        var constantKeys: [(String, SourceLocation)] = []
        var optionKeys: [(String, SourceLocation)] = []

        for (key, keyNode, value) in pairs {
            keyLocations[key] = doc.location(keyNode)
            switch key {
            case "name":
                name = try parseName(doc, value)
            case "description":
                break
            case "format":
                format = try parseFormat(doc, value)
            case "files":
                patterns = try parsePatterns(doc, value, key: "files", into: &keyLocations)
            case "ignore":
                ignore = try parsePatterns(doc, value, key: "ignore", into: &keyLocations)
            case "encoding":
                encoding = try parseEncoding(doc, value)
            case "columns":
                for pair in try doc.mapping(value, what: "columns (canonical field → header name)") {
                    let names = try doc.scalarList(pair.value, what: "column \"\(pair.key)\"")
                    guard !names.isEmpty else {
                        throw Diagnostic("column \"\(pair.key)\" needs at least one header name", at: doc.location(pair.value))
                    }
                    columns[pair.key] = names.map(\.0)
                    keyLocations["columns.\(pair.key)"] = doc.location(pair.value)
                }
            case "constants":
                for pair in try doc.mapping(value, what: "constants (field → value)") {
                    constants[pair.key] = try doc.scalar(pair.value, what: "constant \"\(pair.key)\"")
                    constantKeys.append((pair.key, doc.location(pair.keyNode)))
                    keyLocations["constants.\(pair.key)"] = doc.location(pair.value)
                }
            case "cumulative":
                cumulative = try doc.bool(value, what: "cumulative")
            case "precedence":
                precedence = try parsePrecedence(doc, value)
            case "fetch":
                fetch = try FetchDefinitionParser.parse(doc, node: value, at: doc.location(keyNode))
            case "options":
                for pair in try doc.mapping(value, what: "options") {
                    options[pair.key] = try doc.located(pair.value)
                    optionKeys.append((pair.key, doc.location(pair.keyNode)))
                }
            default:
                throw Diagnostic("unknown key \"\(key)\" (expected one of: \(sourceKeys.joined(separator: ", ")))",
                                 at: doc.location(keyNode))
            }
        }
        let rootLocation = doc.root.map(doc.location) ?? doc.start
        guard let format else { throw Diagnostic("missing required key \"format\"", at: rootLocation) }
        guard let patterns else { throw Diagnostic("missing required key \"files\"", at: rootLocation) }
        if let vocabulary {
            try checkKeys(constantKeys, known: vocabulary.constants, what: "constant")
            try checkKeys(optionKeys, known: vocabulary.options[format] ?? [], what: "option",
                          forFormat: format.rawValue)
        }
        let base = URL(fileURLWithPath: doc.display).deletingPathExtension().lastPathComponent
        return SourceDefinition(name: name ?? base, definitionFile: doc.display, format: format, patterns: patterns,
                                ignore: ignore, encoding: encoding, columns: columns, constants: constants,
                                cumulative: cumulative, precedence: precedence, fetch: fetch, options: options, keyLocations: keyLocations)
    }

    /// The first key not in `known`, located at the key, with the keys that are.
    static func checkKeys(_ keys: [(String, SourceLocation)], known: Set<String>, what: String,
                          forFormat format: String? = nil) throws {
        for (key, location) in keys where !known.contains(key) {
            let scope = format.map { " for format \($0)" } ?? ""
            let expected = known.isEmpty ? "this format takes none" : "expected one of: \(known.sorted().joined(separator: ", "))"
            throw Diagnostic("unknown \(what) \"\(key)\"\(scope) (\(expected))", at: location)
        }
    }

    /// `detectors.yaml`: detector name → threshold key → number. The keys are the
    /// detectors' own; this only checks the shape (a mapping of mappings of numbers).
    public static func loadDetectorThresholds(file: URL, display: String) throws -> [String: [String: LocatedNumber]] {
        try parseDetectorThresholds(YAMLDocument(url: file, display: display))
    }

    static func parseDetectorThresholds(_ doc: YAMLDocument) throws -> [String: [String: LocatedNumber]] {
        guard doc.root != nil else { return [:] }
        var result: [String: [String: LocatedNumber]] = [:]
        for detector in try doc.rootMapping(what: "detector names") {
            var keys: [String: LocatedNumber] = [:]
            for pair in try doc.mapping(detector.value, what: "thresholds of \(detector.key)") {
                let value = try doc.number(pair.value, what: "\(detector.key).\(pair.key)")
                keys[pair.key] = LocatedNumber(value, at: doc.location(pair.value), keyLocation: doc.location(pair.keyNode),
                                               sectionLocation: doc.location(detector.keyNode))
            }
            result[detector.key] = keys
        }
        return result
    }
}
