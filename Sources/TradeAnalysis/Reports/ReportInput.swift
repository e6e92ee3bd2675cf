import Foundation
import TradeCore

/// Everything a report shows, gathered in memory so every output format is a pure function of it.
public struct ReportInput: Sendable, Hashable {
    public var run: RunSummary
    public var sources: [SourceSummary]
    public var findings: [ReportFinding]
    /// The events the findings are grouped into, each naming its findings by id; a report leads with
    /// them in rank order. A finding no case names is still shown, after the cases.
    public var cases: [ReportCase]

    public init(run: RunSummary, sources: [SourceSummary], findings: [ReportFinding], cases: [ReportCase] = []) {
        self.run = run
        self.sources = sources
        self.findings = findings
        self.cases = cases
    }
}

/// The run-ledger facts a report header shows.
public struct RunSummary: Sendable, Hashable {
    public var runID: Int64
    public var startedAt: Date
    /// Nil while the run is still going (a report written mid-run).
    public var finishedAt: Date?
    /// As in `runs.status` (`succeeded`, `failed`, …).
    public var status: String
    public var filesLoaded: Int
    public var filesSkipped: Int
    public var filesFailed: Int
    public var rowsLoaded: Int
    public var rowsRejected: Int
    public var detectorVersion: String
    /// Series left without a verdict for want of a covered baseline, by reason (`detections.unjudged`).
    public var unjudged: [String: Int]

    public init(runID: Int64, startedAt: Date, finishedAt: Date?, status: String,
                filesLoaded: Int, filesSkipped: Int, filesFailed: Int,
                rowsLoaded: Int, rowsRejected: Int, detectorVersion: String, unjudged: [String: Int] = [:]) {
        self.runID = runID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.filesLoaded = filesLoaded
        self.filesSkipped = filesSkipped
        self.filesFailed = filesFailed
        self.rowsLoaded = rowsLoaded
        self.rowsRejected = rowsRejected
        self.detectorVersion = detectorVersion
        self.unjudged = unjudged
    }
}

/// One source pipeline's state: how much it has loaded and whether its data is current.
public struct SourceSummary: Sendable, Hashable {
    public var name: String
    public var files: Int
    public var rows: Int
    public var rejected: Int
    public var newestPeriod: Period?
    public var lastLoad: Date?
    /// The source's newest period is older than its publisher's usual lag allows.
    public var stale: Bool
    /// How far the source is behind its expected newest period, when stale.
    public var daysBehind: Int?

    public init(name: String, files: Int, rows: Int, rejected: Int, newestPeriod: Period?,
                lastLoad: Date?, stale: Bool = false, daysBehind: Int? = nil) {
        self.name = name
        self.files = files
        self.rows = rows
        self.rejected = rejected
        self.newestPeriod = newestPeriod
        self.lastLoad = lastLoad
        self.stale = stale
        self.daysBehind = daysBehind
    }
}

/// An anomaly as stored (with its id) plus the series its chart draws.
public struct ReportFinding: Sendable, Hashable {
    /// `anomalies.id`.
    public var id: Int64
    public var anomaly: Anomaly
    /// Series on one time axis; the first series' unit is the chart's unit.
    public var charts: [ChartSeries]
    /// Dates marked on the time axis (a control's effective date).
    public var markers: [ChartMarker]
    /// One sentence under the chart: what the lines are compared on (a conduit's lag, the peers).
    public var chartNote: String?

    /// A finding with its chart's series (baselines and peers' bands are series too).
    public init(id: Int64, anomaly: Anomaly, charts: [ChartSeries], markers: [ChartMarker] = [],
                chartNote: String? = nil) {
        self.id = id
        self.anomaly = anomaly
        self.charts = charts
        self.markers = markers
        self.chartNote = chartNote
    }

    /// A finding with the chart `ChartBuilder.chart(for:index:)` built for it.
    public init(id: Int64, anomaly: Anomaly, chart: FindingChart) {
        self.init(id: id, anomaly: anomaly, charts: chart.series, markers: chart.markers, chartNote: chart.note)
    }

    /// The periods the anomaly flags (`periodStart…periodEnd`), highlighted on the chart.
    public var flaggedPeriods: ClosedRange<String> {
        let start = anomaly.periodStart, end = anomaly.periodEnd
        return start <= end ? start...end : end...start
    }
}

/// What a finding's chart shows: its series on one time axis, dates marked on it and a note.
public struct FindingChart: Sendable, Hashable {
    public var series: [ChartSeries]
    public var markers: [ChartMarker]
    public var note: String?

    public init(series: [ChartSeries], markers: [ChartMarker] = [], note: String? = nil) {
        self.series = series
        self.markers = markers
        self.note = note
    }
}

/// A date marked on a chart's time axis with a vertical line.
public struct ChartMarker: Sendable, Hashable {
    /// `YYYY-MM` or `YYYY`, as on the axis.
    public var period: String
    public var label: String

    public init(period: String, label: String) {
        self.period = period
        self.label = label
    }
}

/// One line on a finding's chart.
public struct ChartSeries: Sendable, Hashable {
    public enum Unit: String, Sendable, Codable {
        case tonnes = "t"
        case usd = "USD"
        /// Unit value: US dollars per kilogram.
        case usdPerKg = "USD/kg"
        /// A share in percent (0–100).
        case percent = "%"

        /// The axis title.
        public var axisTitle: String {
            switch self {
            case .tonnes: return "tonnes"
            case .usd: return "USD"
            case .usdPerKg: return "USD/kg"
            case .percent: return "share, %"
            }
        }
    }

    /// What the line is, which decides how it is drawn.
    public enum Role: String, Sendable, Codable {
        /// The flagged series (solid, primary colour).
        case observed
        /// A reference series the observed one is compared with (dashed).
        case baseline
        /// The other declaration or leg (mirror import side, conduit's second leg).
        case secondLeg = "second-leg"
        /// Background, such as the reporter's total to all partners (thin, grey).
        case context
        /// A range per period (points carry `low` and `high`; `value` is its middle), such as the
        /// peers' interquartile band of unit values, drawn as a shaded area around a dashed median.
        case band
    }

    public struct Point: Sendable, Hashable {
        /// `YYYY-MM` or `YYYY`.
        public var period: String
        /// Nil when nothing was declared for the period (a gap, not a zero).
        public var value: Double?
        /// A band series' range in the period.
        public var low: Double?
        public var high: Double?

        public init(period: String, value: Double?, low: Double? = nil, high: Double? = nil) {
            self.period = period
            self.value = value
            self.low = low
            self.high = high
        }
    }

    public var label: String
    public var points: [Point]
    public var unit: Unit
    public var role: Role
    /// The warehouse rows the values are sums of, when the series is such a sum (nil: derived).
    public var query: ChartQuery?

    public init(label: String, points: [Point], unit: Unit = .tonnes, role: Role = .observed, query: ChartQuery? = nil) {
        self.label = label
        self.points = points
        self.unit = unit
        self.role = role
        self.query = query
    }

    public init(label: String, points: [(period: String, value: Double?)], unit: Unit = .tonnes, role: Role = .observed) {
        self.init(label: label, points: points.map { Point(period: $0.period, value: $0.value) }, unit: unit, role: role)
    }
}

/// Which current `trade` rows a plotted series sums, per period: written into the chart's SVG
/// (`data-*` attributes) so a reader or a test can reproduce every value with SQL.
public struct ChartQuery: Sendable, Hashable {
    /// What each point is.
    public enum Measure: String, Sendable {
        /// sum(quantity_kg) / 1000.
        case tonnes
        /// sum(value_usd).
        case usd
        /// sum(value_usd) / sum(quantity_kg), over rows with a positive weight.
        case usdPerKg = "usd-per-kg"
        /// 100 × the partner's sum(quantity_kg) / the all-partner sum(quantity_kg).
        case share
        /// The sum over the 12 months ending at the point, in tonnes.
        case tonnes12 = "tonnes-12m"
        /// The sum over the 12 months ending at the point, in USD.
        case usd12 = "usd-12m"
    }

    public var declarer: String
    public var flow: Flow
    /// One partner; nil: all partners (the `WLD` row of a period when declared, else the sum of partners).
    public var partner: String?
    /// With `partner == nil`: the sum of every partner but this one (and never `WLD`).
    public var excludedPartner: String?
    /// Code prefixes, each with the code length summed under it (`2846` at 8 digits).
    public var codes: [CodeLevel]
    public var source: String
    public var measure: Measure
    /// Annual points use the year's annual rows when there are any, else the sum of its months.
    public var annual: Bool

    public struct CodeLevel: Sendable, Hashable {
        public var prefix: String
        public var length: Int
    }
}
