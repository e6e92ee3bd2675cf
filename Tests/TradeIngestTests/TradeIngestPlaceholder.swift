import Testing
@testable import TradeIngest

// Placeholder until the module has tests of its own; delete when adding real ones.
@Test func TradeIngestModuleLinks() { #expect(Bool(true)) }
