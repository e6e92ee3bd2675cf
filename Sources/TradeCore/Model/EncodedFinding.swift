import Foundation

/// A finding whose evidence is held as its stored JSON text instead of a tree. Detection keeps every
/// finding of a run until it groups them into cases and stores them; evidence trees of thousands of
/// findings took several times the memory of their text.
public struct EncodedFinding: Sendable, Hashable {
    /// The finding, with `evidence` null.
    public private(set) var header: Anomaly
    /// The evidence as the warehouse stores it: JSON with sorted keys, non-finite numbers written as
    /// the strings `NaN`, `Infinity` and `-Infinity`.
    public private(set) var evidenceJSON: String

    public init(_ anomaly: Anomaly) throws {
        evidenceJSON = try Self.encode(anomaly.evidence, of: anomaly)
        header = anomaly
        header.evidence = .null
    }

    /// The finding with its evidence as a reader of the warehouse gets it back.
    public func decoded() throws -> Anomaly {
        var anomaly = header
        do {
            anomaly.evidence = try JSONDecoder().decode(JSONValue.self, from: Data(evidenceJSON.utf8))
        } catch {
            throw Diagnostic("evidence of \(header.detector) finding \"\(header.summary)\" is not JSON: \(error)")
        }
        return anomaly
    }

    /// `evidence` as stored.
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
}
