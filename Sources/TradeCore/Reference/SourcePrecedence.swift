/// Which source's figure answers a question when several sources publish the same declarer.
///
/// Each source has a rank per declarer; the lower rank wins. A source definition may state its
/// rank (`precedence:` in its YAML); otherwise a country's own customs source (a definition whose
/// constant `reporter` is that country) comes first for that country, then UN Comtrade, then the
/// rest. Ties go to the source whose coverage of the declarer began earlier (the longer history),
/// then to the name, so the choice never depends on load order.
public struct SourcePrecedence: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// The reader format (`china-customs-csv`, `comtrade-json`, …).
        public var format: String
        /// The one country this source declares for (its constant `reporter`), if any.
        public var ownReporter: String?
        /// The rank the definition declares (`precedence:`); nil takes the default.
        public var declared: Int?

        public init(format: String, ownReporter: String? = nil, declared: Int? = nil) {
            self.format = format
            self.ownReporter = ownReporter
            self.declared = declared
        }
    }

    /// Default ranks: a country's own customs, UN Comtrade, anything else.
    public static let ownCustomsRank = 10
    public static let comtradeRank = 20
    public static let otherRank = 30

    public var entries: [String: Entry]

    public init(_ entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    /// The rank of `source` for figures declared by `declarer` (lower wins).
    public func rank(source: String, declarer: String) -> Int {
        guard let entry = entries[source] else { return Self.otherRank }
        if let declared = entry.declared { return declared }
        return Self.defaultRank(format: entry.format, ownReporter: entry.ownReporter, declarer: declarer)
    }

    /// The rank of `source` for every declarer that is not its own reporter.
    public func rankForOtherDeclarers(source: String) -> Int {
        guard let entry = entries[source] else { return Self.otherRank }
        if let declared = entry.declared { return declared }
        return Self.defaultRank(format: entry.format, ownReporter: nil, declarer: "")
    }

    public static func defaultRank(format: String, ownReporter: String?, declarer: String) -> Int {
        if let own = ownReporter, own == declarer { return ownCustomsRank }
        if isComtrade(format: format) { return comtradeRank }
        return otherRank
    }

    /// Every Comtrade reader (`comtrade-csv`, `comtrade-json`) reads UN Comtrade's figures.
    public static func isComtrade(format: String) -> Bool { format.hasPrefix("comtrade") }

    /// Who published a source's figures: all Comtrade sources are one publisher, any other source its own.
    public func publisher(of source: String) -> String {
        entries[source].map { Self.isComtrade(format: $0.format) } == true ? "comtrade" : source
    }
}
