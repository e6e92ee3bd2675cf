/// A country of the reference table (`Pipelines/reference/countries.csv`).
public struct Country: Sendable, Hashable {
    public var iso3: String
    public var iso2: String
    /// ISO 3166 numeric, three digits as text (`004`).
    public var isoNumeric: String
    /// UN Comtrade's code where it differs from ISO numeric (USA 842, TWN 490).
    public var comtradeCode: String
    public var nameEN: String
    public var nameZH: String
    public var aliases: [String]

    public init(iso3: String, iso2: String, isoNumeric: String, comtradeCode: String,
                nameEN: String, nameZH: String, aliases: [String]) {
        self.iso3 = iso3
        self.iso2 = iso2
        self.isoNumeric = isoNumeric
        self.comtradeCode = comtradeCode
        self.nameEN = nameEN
        self.nameZH = nameZH
        self.aliases = aliases
    }
}
