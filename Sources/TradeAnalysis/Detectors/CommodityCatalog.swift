import Foundation
import TradeCore

/// The commodity reference as detectors need it: names for summaries, elements for controls,
/// and which lines are catch-alls (elements `*`, or described as n.e.s. / other).
struct CommodityCatalog: Sendable {
    private let byCode: [String: CommodityRow]

    init(_ rows: [CommodityRow]) {
        var map: [String: CommodityRow] = [:]
        // Later validity wins when a code was re-cut; ties keep the first line.
        for row in rows.sorted(by: { ($0.code, $0.validFrom ?? "", $0.rawLine) < ($1.code, $1.validFrom ?? "", $1.rawLine) }) {
            map[row.code] = row
        }
        byCode = map
    }

    /// The reference line for a declared code: the exact line, else the longest line it starts with.
    func line(for code: String) -> CommodityRow? {
        var c = code
        while !c.isEmpty {
            if let row = byCode[c] { return row }
            c.removeLast()
        }
        return nil
    }

    /// "28469014 europium oxide", or the bare code when the reference has no line for it.
    func label(_ code: String) -> String {
        guard let row = byCode[code], !row.descriptionEN.isEmpty else { return code }
        return "\(code) \(Self.lowercasingFirst(row.descriptionEN))"
    }

    /// A catch-all line: carries any rare earth (`*`) or is described as n.e.s. / other.
    func isCatchAll(_ row: CommodityRow) -> Bool {
        if row.elements.contains("*") { return true }
        let d = " " + row.descriptionEN.lowercased() + " "
        let words = d.split(whereSeparator: { !$0.isLetter && $0 != "." }).map(String.init)
        return words.contains("n.e.s.") || words.contains("nes") || words.contains("other") || d.contains("n.e.s")
            || (row.descriptionZH ?? "").contains("未列名") || (row.descriptionZH ?? "").hasPrefix("其他")
    }

    static func lowercasingFirst(_ s: String) -> String {
        guard let first = s.first else { return s }
        let second = s.dropFirst().first
        if let second, second.isUppercase { return s } // an acronym: keep
        return first.lowercased() + s.dropFirst()
    }
}
