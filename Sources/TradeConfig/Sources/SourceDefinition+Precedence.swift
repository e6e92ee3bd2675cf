import TradeCore

extension SourcePrecedence {
    /// The ranks the definitions give: a definition's own `reporter` constant marks it as that
    /// country's customs source.
    public init(definitions: [SourceDefinition]) {
        var entries: [String: Entry] = [:]
        for d in definitions {
            let reporter = d.constants["reporter"].flatMap { $0.count == 3 && $0.allSatisfy(\.isUppercase) ? $0 : nil }
            entries[d.name] = Entry(format: d.format.rawValue, ownReporter: reporter, declared: nil)
        }
        self.init(entries)
    }
}
