import TradeRunner
print("tradewatch: not built yet")
