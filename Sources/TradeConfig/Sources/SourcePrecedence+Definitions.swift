import TradeCore

extension SourcePrecedence {
    /// Ranks from the loaded definitions: a definition's constant `reporter` (a 3-letter code) is
    /// the country it declares for, and its `precedence:` overrides the default.
    public init(definitions: [SourceDefinition]) {
        var entries: [String: Entry] = [:]
        for definition in definitions {
            let reporter = definition.constants["reporter"].map { $0.uppercased() }
            let own = reporter.flatMap { $0.count == 3 && $0.allSatisfy { $0.isASCII && $0.isLetter } ? $0 : nil }
            entries[definition.name] = Entry(format: definition.format.rawValue, ownReporter: own,
                                             declared: definition.precedence)
        }
        self.init(entries)
    }
}
