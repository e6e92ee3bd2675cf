/// A generic statistical observation (SDMX series that are not trade: FX rates, prices, GDP).
public struct SeriesObservation: Sendable, Hashable {
    /// Dataset / dataflow id (`EXR`, `DS_045409`).
    public var dataset: String
    /// Series key, dimension values joined by `.` in declaration order (`M.USD.EUR.SP00.A`).
    public var seriesKey: String
    /// Period as published (`2019-01`, `2024`, `2024-Q1`).
    public var period: String
    public var value: Double?
    /// Observation status / flag (`A`, `E`, `P`), if any.
    public var status: String?
    public var rawLine: Int

    public init(dataset: String, seriesKey: String, period: String, value: Double?, status: String?, rawLine: Int) {
        self.dataset = dataset
        self.seriesKey = seriesKey
        self.period = period
        self.value = value
        self.status = status
        self.rawLine = rawLine
    }
}
