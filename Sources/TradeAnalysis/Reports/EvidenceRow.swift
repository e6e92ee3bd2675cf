import TradeCore

/// One evidence entry as a report shows it: a dotted key path and its value as text.
struct EvidenceRow: Hashable {
    var key: String
    var value: String

    /// Flattens evidence JSON to sorted `key → value` rows (`a.b`, `list[0]`); a short array of
    /// scalars stays on one row (`12, 15, 210`).
    static func rows(_ evidence: JSONValue) -> [EvidenceRow] {
        var out: [EvidenceRow] = []
        func scalar(_ v: JSONValue) -> String? {
            switch v {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .number(let n): return ReportFormat.evidence(n)
            case .string(let s): return s
            case .array, .object: return nil
            }
        }
        func walk(_ v: JSONValue, _ path: String) {
            switch v {
            case .object(let o):
                if o.isEmpty { out.append(EvidenceRow(key: path.isEmpty ? "(evidence)" : path, value: "{}")) }
                for k in o.keys.sorted() { walk(o[k]!, path.isEmpty ? k : "\(path).\(k)") }
            case .array(let a):
                let scalars = a.compactMap(scalar)
                if scalars.count == a.count, a.count <= 24 {
                    out.append(EvidenceRow(key: path, value: scalars.isEmpty ? "[]" : scalars.joined(separator: ", ")))
                } else {
                    for (i, e) in a.enumerated() { walk(e, "\(path)[\(i)]") }
                }
            default:
                out.append(EvidenceRow(key: path.isEmpty ? "(evidence)" : path, value: scalar(v) ?? ""))
            }
        }
        walk(evidence, "")
        return out
    }
}
