import Foundation

/// Direction of a trade flow as declared by the reporter.
public enum Flow: String, Sendable, Codable, CaseIterable {
    case export = "export"
    case `import` = "import"
    case reExport = "re-export"
    case reImport = "re-import"

    /// Parses canonical names and common codes (`X`, `M`, `RX`, `RM`, `出口`, `进口`, `1`=import/`2`=export as in Comext).
    public init?(code: some StringProtocol) {
        switch code.trimmingCharacters(in: .whitespaces).lowercased() {
        case "export", "exports", "x", "出口": self = .export
        case "import", "imports", "m", "进口": self = .import
        case "re-export", "reexport", "rx", "再出口", "转口": self = .reExport
        case "re-import", "reimport", "rm", "再进口": self = .reImport
        default: return nil
        }
    }
}

/// How a value was declared: imports are usually valued CIF, exports FOB.
public enum Valuation: String, Sendable, Codable {
    case fob, cif, unknown
}
