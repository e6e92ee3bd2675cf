import Testing
import TradeCore
@testable import TradeWarehouse
