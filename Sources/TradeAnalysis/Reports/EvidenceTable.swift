import Foundation
import TradeCore

/// A finding's evidence as people read it: the entries its detector's method rests on, each with a
/// label and its unit (`Unit value, this series (USD/kg)`). Raw keys, thresholds and per-window
/// lists stay in the JSON report; an unknown detector's evidence is shown key by key.
enum EvidenceTable {
    /// How an evidence number is shown.
    enum Unit {
        case tonnes, usd, usdPerKg, kg, ratio, fraction, z, months, count, text

        func format(_ value: JSONValue) -> String? {
            switch value {
            case .null: return nil
            case .bool(let b): return b ? "yes" : "no"
            case .string(let s): return s
            case .array(let items):
                let parts = items.compactMap { format($0) }
                return parts.isEmpty ? nil : parts.joined(separator: ", ")
            case .object: return nil
            case .number(let n):
                guard n.isFinite else { return nil }
                switch self {
                case .tonnes: return ReportFormat.amount(n, unit: "t")
                case .usd: return CaseText.usd(n)
                case .usdPerKg: return "$" + ReportFormat.number(n) + "/kg"
                case .kg: return ReportFormat.amount(n, unit: "kg")
                case .ratio: return ReportFormat.number(n) + "×"
                case .fraction: return ReportFormat.number(n * 100) + " %"
                case .z: return ReportFormat.number(n)
                case .months: return ReportFormat.number(n) + (n == 1 ? " month" : " months")
                case .count, .text: return ReportFormat.evidence(n)
                }
            }
        }

        /// The unit as a label suffix: `(t)`, `(USD/kg)`; empty for text.
        var suffix: String {
            switch self {
            case .tonnes: return " (t)"
            case .usd: return " (USD)"
            case .usdPerKg: return " (USD/kg)"
            case .kg: return " (kg)"
            case .ratio: return " (×)"
            case .fraction: return " (%)"
            case .months: return " (months)"
            case .z, .count, .text: return ""
            }
        }
    }

    /// One shown entry: evidence path, label, unit.
    typealias Entry = (path: String, label: String, unit: Unit)

    /// The labelled rows of `anomaly`'s evidence (absent entries are skipped).
    static func rows(_ anomaly: Anomaly) -> [EvidenceRow] {
        guard let entries = entries[anomaly.detector] else { return EvidenceRow.rows(anomaly.evidence) }
        return entries.compactMap { entry in
            var current: JSONValue? = anomaly.evidence
            for part in entry.path.split(separator: ".") { current = current?[String(part)] }
            guard let value = current, let text = entry.unit.format(value) else { return nil }
            return EvidenceRow(key: entry.label + entry.unit.suffix, value: text)
        }
    }

    /// The score with its unit: `z 6.4`, `71 %`, `243 t`, `gap 59 %`.
    static func score(_ anomaly: Anomaly) -> String {
        let s = anomaly.score
        guard s.isFinite else { return String(describing: s) }
        switch anomaly.detector {
        case "volume_spike", "unit_value_outlier": return "z " + ReportFormat.number(s)
        case "new_partner": return ReportFormat.number(s * 100) + " % share"
        case "mirror_gap": return ReportFormat.number(s * 100) + " % gap"
        case "source_conflict": return ReportFormat.number(s * 100) + " % apart"
        case "control_diversion": return ReportFormat.number(s * 100) + " % of fall"
        case "transshipment_conduit": return ReportFormat.amount(s, unit: "t")
        default: return ReportFormat.score(s)
        }
    }

    /// What the score measures, for a tooltip or a footnote.
    static func scoreMeaning(_ detector: String) -> String {
        switch detector {
        case "volume_spike": return "robust z of the tonnes against the baseline"
        case "unit_value_outlier": return "robust z of the unit value against the peers"
        case "new_partner": return "the new partner's share of the flow"
        case "mirror_gap": return "the gap between the two declarations, (larger − smaller) / smaller"
        case "source_conflict": return "the difference between the two sources, (larger − smaller) / smaller"
        case "control_diversion": return "the part of the controlled lines' fall the channel took up"
        case "transshipment_conduit": return "tonnes that likely passed through the conduit"
        default: return "detector score"
        }
    }

    static let entries: [String: [Entry]] = [
        "unit_value_outlier": [
            ("declared_by", "Declared by", .text), ("flow", "Flow", .text), ("valuation_basis", "Valuation basis", .text),
            ("periods_compared.observed", "Flagged lots", .text),
            ("observed.usd_per_kg", "Unit value, this series", .usdPerKg),
            ("baseline.median_usd_per_kg", "Unit value, peers' median", .usdPerKg),
            ("baseline.series_median_usd_per_kg", "Unit value, this series' own median", .usdPerKg),
            ("ratio", "This series ÷ peers' median", .ratio), ("z", "Robust z of log unit value", .z),
            ("observed.kg", "Weight of the peak lot", .kg), ("observed.usd", "Value of the peak lot", .usd),
            ("baseline.observations", "Peer declarations", .count), ("periods_compared.baseline", "Peers from", .text),
            ("source", "Source", .text),
        ],
        "volume_spike": [
            ("declared_by", "Declared by", .text), ("flow", "Flow", .text), ("series", "Series (total or one partner)", .text),
            ("mode", "Compared as", .text), ("observed.period", "Observed period", .text),
            ("observed_t", "Observed", .tonnes), ("expected_t", "Expected", .tonnes),
            ("baseline_median_t", "Baseline median", .tonnes), ("ratio", "Observed ÷ expected", .ratio),
            ("z", "Robust z", .z), ("trend_growth_per_year", "Trend growth allowed a year", .fraction),
            ("seasonal_lift", "Seasonal allowance", .fraction), ("peak.period", "Peak month", .text),
            ("peak.observed_t", "Peak month, observed", .tonnes), ("peak.expected_t", "Peak month, expected", .tonnes),
            ("source", "Source", .text),
        ],
        "mirror_gap": [
            ("exporter", "Exporter", .text), ("importer", "Importer", .text), ("compared_at", "Compared at HS", .text),
            ("periods_compared.window", "Window", .text),
            ("baseline.usd_declared", "Exports as declared by the exporter", .usd),
            ("observed.usd_declared", "Imports as declared by the importer", .usd),
            ("baseline.usd_fob", "Exports, FOB", .usd), ("observed.usd_fob", "Imports, FOB-adjusted", .usd),
            ("baseline.kg", "Exports, weight", .kg), ("observed.kg", "Imports, weight", .kg),
            ("ratio", "Imports ÷ exports (FOB)", .ratio), ("gap_usd", "Value gap, relative", .fraction),
            ("gap_kg", "Weight gap, relative", .fraction),
            ("sources.exporter_source", "Exporter's source", .text), ("sources.importer_source", "Importer's source", .text),
        ],
        "control_diversion": [
            ("regime", "Control", .text), ("effective", "Effective", .text), ("channel", "Channel", .text),
            ("buyer_controlled_codes", "Controlled lines the buyer took", .text),
            ("controlled_codes", "Controlled codes (the whole control)", .text), ("periods_compared.pre", "Before", .text),
            ("periods_compared.post", "After", .text),
            ("fell.pre_t", "Controlled lines, before", .tonnes), ("fell.post_t", "Controlled lines, after", .tonnes),
            ("rose.pre_t", "Channel, before", .tonnes), ("rose.post_t", "Channel, after", .tonnes),
            ("offset_share", "Share of the fall taken up", .fraction), ("tonnes_at_stake", "Diverted", .tonnes),
            ("source", "Source", .text),
        ],
        "transshipment_conduit": [
            ("origin", "Origin", .text), ("via", "Conduit", .text), ("destination", "Destination", .text),
            ("compared_at", "Compared at HS", .text), ("periods_compared.observed", "Observed", .text),
            ("observed.origin_to_via_t", "Leg 1, into the conduit", .tonnes),
            ("observed.via_to_destination_t", "Leg 2, out of the conduit", .tonnes),
            ("observed.lag_months", "Lag of leg 2", .months),
            ("baseline.origin_to_via_median_t", "Leg 1, usual", .tonnes),
            ("baseline.via_to_destination_median_t", "Leg 2, usual", .tonnes),
            ("baseline.origin_to_via_mean_month_t", "Leg 1, usual a month", .tonnes),
            ("baseline.via_to_destination_mean_month_t", "Leg 2, usual a month", .tonnes),
            ("transshipped_t", "Likely passed through", .tonnes), ("via_mine_production_t.value", "Conduit's mine production", .tonnes),
        ],
        "new_partner": [
            ("declared_by", "Declared by", .text), ("flow", "Flow", .text), ("observed.period", "Year", .text),
            ("observed_t", "To the new partner", .tonnes), ("code_total_t", "To all partners", .tonnes),
            ("share", "New partner's share", .fraction), ("baseline_partner_median_t", "Partner's usual (median)", .tonnes),
            ("baseline_max_share", "Partner's largest earlier share", .fraction),
            ("baseline_code_median_t", "All partners' usual (median)", .tonnes), ("year_to_date", "Year to date", .text),
            ("source", "Source", .text),
        ],
        "source_conflict": [
            ("declared_by", "Declared by", .text), ("flow", "Flow", .text), ("partner_declared", "Partner", .text),
            ("compared_at", "Compared at HS", .text), ("periods_compared.from", "From", .text), ("periods_compared.to", "To", .text),
            ("baseline.source", "Source 1", .text), ("baseline.t", "Source 1, weight", .tonnes), ("baseline.usd", "Source 1, value", .usd),
            ("observed.source", "Source 2", .text), ("observed.t", "Source 2, weight", .tonnes), ("observed.usd", "Source 2, value", .usd),
            ("ratio.weight", "Weight, source 2 ÷ source 1", .ratio), ("ratio.value", "Value, source 2 ÷ source 1", .ratio),
            ("valuation_basis", "Values compared", .text),
        ],
    ]
}

extension Anomaly {
    /// The score with its unit, as the reports show it (`z 6.4`, `71 % share`, `243 t`).
    public var scoreText: String { EvidenceTable.score(self) }
}
