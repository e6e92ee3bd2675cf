/// One line of a commodity nomenclature (HS heading or national 8-digit line).
public struct CommodityRow: Sendable, Hashable {
    /// Digits only.
    public var code: String
    /// Number of digits: 2, 4, 6, 8 or 10.
    public var level: Int
    public var parent: String?
    public var descriptionEN: String
    public var descriptionZH: String?
    /// Element symbols the line carries (`Eu`), `*` for any rare earth; empty when not a rare-earth line.
    public var elements: [String]
    /// `hs2022`, `cn8`, … (nomenclature the line belongs to).
    public var nomenclature: String
    public var validFrom: String?
    public var validTo: String?
    public var rawLine: Int

    public init(code: String, level: Int, parent: String?, descriptionEN: String, descriptionZH: String?,
                elements: [String], nomenclature: String, validFrom: String? = nil, validTo: String? = nil,
                rawLine: Int) {
        self.code = code
        self.level = level
        self.parent = parent
        self.descriptionEN = descriptionEN
        self.descriptionZH = descriptionZH
        self.elements = elements
        self.nomenclature = nomenclature
        self.validFrom = validFrom
        self.validTo = validTo
        self.rawLine = rawLine
    }
}
