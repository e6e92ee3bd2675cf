import Testing
import TradeCore
@testable import TradeConfig

/// `precedence:` in a source definition: parsed, range-checked with a located error, and turned
/// into the `SourcePrecedence` that decides which source answers for a declarer.
@Suite struct PrecedenceTests {
    private func parse(_ precedence: String, reporter: String = "CHN") throws -> SourceDefinition {
        try DefinitionLoader.parseSource(yaml: """
            format: china-customs-csv
            files: china-customs/*.csv
            constants:
              reporter: \(reporter)
            precedence: \(precedence)
            """, display: "Pipelines/x.yaml")
    }

    @Test func declaredPrecedenceIsRead() throws {
        #expect(try parse("0").precedence == 0)
        #expect(try parse("25").precedence == 25)
        #expect(try DefinitionLoader.parseSource(yaml: "format: comtrade-csv\nfiles: a/*.csv\n",
                                               display: "Pipelines/y.yaml").precedence == nil)
    }

    @Test(arguments: ["-1", "2.5", "first", "1000001", "99999999999999999999", "[1, 2]"])
    func outOfRangePrecedenceIsLocated(_ text: String) {
        do {
            _ = try parse(text)
            Issue.record("precedence \(text) was accepted")
        } catch let d as Diagnostic {
            #expect(d.description.hasPrefix("Pipelines/x.yaml:5:13: error: precedence must be "), "\(d)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func precedenceFromDefinitions() throws {
        let customs = try parse("7")
        let customsDefault = try DefinitionLoader.parseSource(yaml: """
            name: customs-xlsx
            format: china-customs-xlsx
            files: china-customs/*.xlsx
            constants: {reporter: chn}
            """, display: "Pipelines/customs-xlsx.yaml")
        let comtrade = try DefinitionLoader.parseSource(yaml: "format: comtrade-json\nfiles: c/*.json\n",
                                                      display: "Pipelines/comtrade.yaml")
        let named = try DefinitionLoader.parseSource(yaml: """
            format: sdmx
            files: s/*.xml
            constants: {reporter: China}
            """, display: "Pipelines/sdmx.yaml")
        let precedence = SourcePrecedence(definitions: [customs, customsDefault, comtrade, named])
        #expect(precedence.rank(source: "x", declarer: "CHN") == 7)
        #expect(precedence.rank(source: "x", declarer: "USA") == 7)
        #expect(precedence.rank(source: "customs-xlsx", declarer: "CHN") == SourcePrecedence.ownCustomsRank)
        #expect(precedence.rank(source: "customs-xlsx", declarer: "USA") == SourcePrecedence.otherRank)
        #expect(precedence.rank(source: "comtrade", declarer: "CHN") == SourcePrecedence.comtradeRank)
        // A reporter given by name is not a 3-letter code: no own country.
        #expect(precedence.entries["sdmx"]?.ownReporter == nil)
        #expect(precedence.rankForOtherDeclarers(source: "customs-xlsx") == SourcePrecedence.otherRank)
        #expect(precedence.rankForOtherDeclarers(source: "comtrade") == SourcePrecedence.comtradeRank)
    }
}
