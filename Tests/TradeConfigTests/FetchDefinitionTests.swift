import Foundation
import Testing
import TradeCore
import TradeTestSupport
@testable import TradeConfig

/// The `fetch:` block: the contract's keys read into a `FetchDefinition`, every mistake located.
@Suite struct FetchDefinitionTests {
    private func parse(_ fetch: String) throws -> SourceDefinition {
        try DefinitionLoader.parseSource(yaml: """
            name: comtrade-api
            format: comtrade-json
            files:
              - comtrade-api/**/*.json
            fetch:
            \(fetch)
            """, display: "Pipelines/comtrade-api.yaml")
    }

    private func diagnostic(_ fetch: String) -> Diagnostic? {
        TradeTestSupport.diagnostic { _ = try parse(fetch) }
    }

    @Test func readsTheContractsKeys() throws {
        let definition = try parse("""
              api: comtrade
              base_url: https://comtradeapi.un.org   # tests point this at a loopback server
              key_env: COMTRADE_API_KEY
              frequency: M
              classification: HS
              reporters: [156, 842]
              commodities: ["2846", "280530"]
              flows: [X, M]
              partners: all
              from: 2023-01
              calls_per_second: 1
              daily_call_budget: 500
            """)
        let fetch = try #require(definition.fetch)
        #expect(fetch.api == .comtrade)
        #expect(fetch.baseURL.absoluteString == "https://comtradeapi.un.org")
        #expect(fetch.keyEnvironment == "COMTRADE_API_KEY")
        #expect(fetch.reporters == ["156", "842"])
        #expect(fetch.commodities == ["2846", "280530"])
        #expect(fetch.flows == ["X", "M"])
        #expect(fetch.partners == nil)
        #expect(fetch.from == "2023-01")
        #expect(fetch.callsPerSecond == 1)
        #expect(fetch.dailyCallBudget == 500)
        #expect(fetch.location == SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 5, column: 1))
        #expect(definition.folder == "comtrade-api")
    }

    @Test func anUnknownKeyIsAnErrorAtTheKey() {
        let d = diagnostic("""
              api: comtrade
              reporters: [156]
              commodities: ["2846"]
              from: 2023-01
              reporter_codes: [842]
            """)
        #expect(d?.location == SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 10, column: 3))
        #expect(d?.message.contains("unknown fetch key \"reporter_codes\"") == true)
    }

    @Test func plainHTTPOnlyToALoopbackAddress() throws {
        let base = "api: comtrade\n  reporters: [156]\n  commodities: [\"2846\"]\n  from: 2023-01\n"
        let d = diagnostic("  " + base + "  base_url: http://comtradeapi.un.org")
        #expect(d?.location == SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 10, column: 13))
        #expect(d?.message.contains("must be https://") == true)
        for loopback in ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:8080"] {
            #expect(try parse("  " + base + "  base_url: \(loopback)").fetch?.baseURL.absoluteString == loopback)
        }
        #expect(diagnostic("  api: http\n  urls: [http://example.org/a.csv]")?.message.contains("must be https://") == true)
    }

    @Test func valuesAreChecked() {
        let d = diagnostic("  api: comtrade\n  reporters: [156]\n  commodities: [\"2846\"]\n  from: 2023-13")
        #expect(d?.location == SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 9, column: 9))
        #expect(diagnostic("  api: comtrade\n  commodities: [\"2846\"]\n  from: 2023-01")?.message
            .contains("needs \"reporters\"") == true)
        #expect(diagnostic("  api: comtrade\n  reporters: [CHN]\n  commodities: [\"2846\"]\n  from: 2023-01")?.location
            == SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 7, column: 15))
        #expect(diagnostic("  api: ftp")?.message.contains("unknown fetch api") == true)
        #expect(diagnostic("  api: http\n  urls: [https://x.org/a.csv]\n  daily_call_budget: 0")?.location
            == SourceLocation(file: "Pipelines/comtrade-api.yaml", line: 8, column: 22))
    }
}
