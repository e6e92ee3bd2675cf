/// One line of the HS concordance (`Pipelines/reference/hs_concordance.csv`): a code of one
/// edition (HS2012 `H4`, HS2017 `H5`, HS2022 `H6`, or a dated China 8-digit line) and the code it
/// continues as, so a series can be followed across editions and national re-cuts.
public struct HSConcordance: Sendable, Hashable {
    public var fromCode: String
    public var fromEdition: String
    public var toCode: String
    public var toEdition: String
    /// ISO dates `YYYY-MM-DD`, when the line says.
    public var validFrom: String?
    public var validTo: String?
    public var note: String
    /// How sure the table is (`likely`, `unverified`, …).
    public var confidence: String

    public init(fromCode: String, fromEdition: String, toCode: String, toEdition: String,
                validFrom: String?, validTo: String?, note: String, confidence: String) {
        self.fromCode = fromCode
        self.fromEdition = fromEdition
        self.toCode = toCode
        self.toEdition = toEdition
        self.validFrom = validFrom
        self.validTo = validTo
        self.note = note
        self.confidence = confidence
    }
}
