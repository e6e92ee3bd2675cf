/// What `tradewatch --version` prints; with the detector version (`DetectorSuite.version`) a
/// report or a bug report says which program produced it.
public enum TradeWatchVersion {
    public static let string = "1.0.0"
}
