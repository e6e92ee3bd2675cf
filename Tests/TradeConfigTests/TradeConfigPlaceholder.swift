import Testing
@testable import TradeConfig

// Placeholder until the module has tests of its own; delete when adding real ones.
@Test func TradeConfigModuleLinks() { #expect(Bool(true)) }
