import Testing
@testable import TradeAnalysis

// Placeholder until the module has tests of its own; delete when adding real ones.
@Test func TradeAnalysisModuleLinks() { #expect(Bool(true)) }
