import TradeCore

/// One source of raw files, declared in `Pipelines/<name>.yaml`.
///
/// Common keys are typed; format-specific settings live in `options`, each value
/// with the YAML location it came from so a reader can report `Pipelines/x.yaml:LINE:COL`.
public struct SourceDefinition: Sendable, Hashable {
    /// Pipeline name (`name:` or the YAML file's base name), stored as `trade.source`.
    public var name: String
    /// The YAML file it was read from, as given (e.g. `Pipelines/china-customs.yaml`).
    public var definitionFile: String
    /// Reader to use.
    public var format: SourceFormat
    /// Glob patterns relative to the raw directory (`china-customs/*.csv`); `**` spans folders.
    public var patterns: [String]
    /// Globs of files that are not data (`README*`, `notes/*.pdf`): no file of the source's is read
    /// from them, and none is reported as unclaimed. With a `/` relative to the raw directory,
    /// otherwise matched against the file name.
    public var ignore: [String]
    /// `auto` (BOM / UTF-8 validity / GB18030 fallback), `utf-8`, `gb18030`, `utf-16`.
    public var encoding: String
    /// Canonical field → header names it may appear under, in preference order.
    public var columns: [String: [String]]
    /// Constants for fields the file does not carry (`reporter: CHN`, `flow: export`, `period`, `currency`).
    public var constants: [String: String]
    /// The file's figures are cumulative year-to-date (`累计`) and must be differenced per year.
    public var cumulative: Bool
    /// The rank this source takes when several publish the same declarer (`precedence:`, lower
    /// wins); nil takes `SourcePrecedence`'s default (own customs, then Comtrade, then others).
    public var precedence: Int?
    /// Where `tradewatch fetch` gets the source's files (`fetch:`); nil: they are put in `Raw/` by hand.
    public var fetch: FetchDefinition?
    /// Format-specific settings (sheet, header_row, sdmx dimension names, unit scales …).
    public var options: [String: LocatedValue]
    /// Where each top-level key was written, for located errors.
    public var keyLocations: [String: SourceLocation]

    public init(name: String, definitionFile: String, format: SourceFormat, patterns: [String],
                ignore: [String] = [], encoding: String = "auto", columns: [String: [String]] = [:],
                constants: [String: String] = [:], cumulative: Bool = false, precedence: Int? = nil,
                fetch: FetchDefinition? = nil, options: [String: LocatedValue] = [:],
                keyLocations: [String: SourceLocation] = [:]) {
        self.name = name
        self.definitionFile = definitionFile
        self.format = format
        self.patterns = patterns
        self.ignore = ignore
        self.encoding = encoding
        self.columns = columns
        self.constants = constants
        self.cumulative = cumulative
        self.precedence = precedence
        self.fetch = fetch
        self.options = options
        self.keyLocations = keyLocations
    }

    /// The folder of `Raw/` the source's files are in: the first folder of its first `files:` pattern
    /// (nil when that pattern starts with a wildcard). `tradewatch fetch` writes there.
    public var folder: String? {
        guard let first = patterns.first?.split(separator: "/").first, patterns.first?.contains("/") == true,
              !first.contains(where: { "*?[".contains($0) }), first != "..", first != "." else { return nil }
        return String(first)
    }

    /// Location of a key in the YAML (falls back to the file itself).
    public func location(of key: String) -> SourceLocation {
        keyLocations[key] ?? options[key]?.location ?? SourceLocation(file: definitionFile, line: 1, column: 1)
    }
}

/// Readers TradeWatch has.
public enum SourceFormat: String, Sendable, Hashable, CaseIterable {
    case chinaCustomsCSV = "china-customs-csv"
    case chinaCustomsXLSX = "china-customs-xlsx"
    case usgsWorldCSV = "usgs-world-csv"
    case usgsSalientCSV = "usgs-salient-csv"
    case hsNomenclatureCSV = "hs-csv"
    case commodityCodesCSV = "commodity-codes-csv"
    case comtradeCSV = "comtrade-csv"
    case comtradeJSON = "comtrade-json"
    case sdmx = "sdmx"
}

/// A scalar, list or map from YAML with the place it was written.
public indirect enum YAMLValue: Sendable, Hashable {
    case scalar(String)
    case list([LocatedValue])
    case map([String: LocatedValue])
}

public struct LocatedValue: Sendable, Hashable {
    public var value: YAMLValue
    public var location: SourceLocation

    public init(_ value: YAMLValue, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var string: String? {
        if case .scalar(let s) = value { return s }
        return nil
    }

    public var map: [String: LocatedValue]? {
        if case .map(let m) = value { return m }
        return nil
    }

    public var list: [LocatedValue]? {
        if case .list(let l) = value { return l }
        return nil
    }
}
