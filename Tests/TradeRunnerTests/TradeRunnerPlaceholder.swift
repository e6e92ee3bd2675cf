import Testing
@testable import TradeRunner

// Placeholder until the module has tests of its own; delete when adding real ones.
@Test func TradeRunnerModuleLinks() { #expect(Bool(true)) }
