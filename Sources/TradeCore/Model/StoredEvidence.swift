import Foundation

/// A finding's evidence as the warehouse stores it: canonical JSON (sorted keys), non-finite numbers
/// written as the strings `NaN`, `Infinity` and `-Infinity`. Detection keeps evidence in this form until it
/// is stored, which takes a fraction of the memory of `JSONValue` trees.
public enum StoredEvidence {
    /// Evidence as stored (`JSONValue.canonicalJSON`, keeping non-finite numbers).
    public static func encode(_ evidence: JSONValue) -> String {
        evidence.canonicalJSON(nonFinite: .strings)
    }

    /// `header` with `text` as its evidence, as a reader of the warehouse gets it back.
    public static func decode(_ text: String, into header: Anomaly) throws -> Anomaly {
        var anomaly = header
        do {
            anomaly.evidence = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw Diagnostic("evidence of \(header.detector) finding \"\(header.summary)\" is not JSON: \(error)")
        }
        return anomaly
    }
}
