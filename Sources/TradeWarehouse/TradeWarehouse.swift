import TradeCore
