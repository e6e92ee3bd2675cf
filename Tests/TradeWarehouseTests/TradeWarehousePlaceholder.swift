import Testing
@testable import TradeWarehouse

// Placeholder until the module has tests of its own; delete when adding real ones.
@Test func TradeWarehouseModuleLinks() { #expect(Bool(true)) }
