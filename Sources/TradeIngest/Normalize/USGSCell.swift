import Foundation

/// One cell of a USGS Mineral Commodity Summaries table.
///
/// `NA`/empty → not available (nil, not zero); `W` withheld; `XX` not applicable; `E` net
/// exporter (net import reliance); `>95`, `<100,000` → the bound as value with the text as note;
/// `"7,900"` → 7900. Anything else is not a number.
enum USGSCell: Equatable {
    case value(Double, note: String?)
    case missing(note: String?)
    case invalid

    init(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.uppercased() {
        case "", "NA", "N/A", "--", "—": self = .missing(note: t.isEmpty ? nil : "NA: not available"); return
        case "W": self = .missing(note: "W: withheld to avoid disclosing company proprietary data"); return
        case "XX": self = .missing(note: "XX: not applicable"); return
        case "E": self = .missing(note: "E: net exporter"); return
        default: break
        }
        if let first = t.first, first == ">" || first == "<" {
            let rest = t.dropFirst().trimmingCharacters(in: .whitespaces)
            let bound = rest.hasPrefix("=") ? String(rest.dropFirst()) : rest
            if let v = NumberParsing.decimal(bound) { self = .value(v, note: t); return }
            self = .invalid
            return
        }
        if let v = NumberParsing.decimal(t) { self = .value(v, note: nil); return }
        self = .invalid
    }
}
