import Foundation

/// A finding's evidence as the warehouse stores it: JSON with sorted keys, non-finite numbers written
/// as the strings `NaN`, `Infinity` and `-Infinity`. Detection keeps evidence in this form until it
/// is stored, which takes a fraction of the memory of `JSONValue` trees.
public enum StoredEvidence {
    /// `anomaly`'s evidence as stored.
    public static func encode(_ evidence: JSONValue, of anomaly: Anomaly) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return String(decoding: try encoder.encode(evidence), as: UTF8.self)
        } catch {
            throw Diagnostic("evidence of \(anomaly.detector) finding \"\(anomaly.summary)\" is not JSON: \(error)")
        }
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
