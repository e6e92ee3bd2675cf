import Foundation

/// Typed thresholds of every detector, with the defaults documented in `Pipelines/detectors.yaml`.
///
/// `init(overrides:)` takes the YAML as `detector → key → number` and rejects unknown detector or
/// key names (and impossible values) with a `DetectorSettingsError` that names them, so the
/// integrator can turn it into a located `Pipelines/detectors.yaml:LINE:COL: error: …`.
public struct DetectorSettings: Sendable, Hashable {
    public var volumeSpike = VolumeSpike()
    public var newPartner = NewPartner()
    public var mirrorGap = MirrorGap()
    public var transshipmentConduit = TransshipmentConduit()
    public var unitValueOutlier = UnitValueOutlier()
    public var controlDiversion = ControlDiversion()
    public var sourceConflict = SourceConflict()

    public init() {}

    public init(overrides: [String: [String: Double]]) throws {
        self.init()
        let table = Self.parameterTable
        for detector in overrides.keys.sorted() {
            guard let params = table[detector] else {
                throw DetectorSettingsError.unknownDetector(detector, known: table.keys.sorted())
            }
            let values = overrides[detector]!
            for key in values.keys.sorted() {
                guard let p = params.first(where: { $0.name == key }) else {
                    throw DetectorSettingsError.unknownKey(detector: detector, key: key, known: params.map(\.name))
                }
                try p.set(&self, values[key]!, detector)
            }
        }
    }

    /// Every detector's parameter names, as accepted by `init(overrides:)`.
    public static var parameterNames: [String: [String]] {
        parameterTable.mapValues { $0.map(\.name) }
    }

    /// The values in force, `detector → key → number`.
    public var values: [String: [String: Double]] {
        Self.parameterTable.mapValues { params in
            Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.get(self)) })
        }
    }

    /// Canonical JSON of every threshold (sorted keys), recorded with a run's anomalies.
    public var fingerprintJSON: String {
        let v = values
        let body = v.keys.sorted().map { d in
            let inner = v[d]!.keys.sorted().map { k in "\"\(k)\":\(Self.format(v[d]![k]!))" }.joined(separator: ",")
            return "\"\(d)\":{\(inner)}"
        }.joined(separator: ",")
        return "{\"detector_version\":\"\(DetectorSuite.version)\",\(body)}"
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}

/// A rejected override: names the detector and key so the caller can locate it in the YAML.
public enum DetectorSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownDetector(String, known: [String])
    case unknownKey(detector: String, key: String, known: [String])
    case invalidValue(detector: String, key: String, value: Double, reason: String)

    public var detector: String {
        switch self {
        case .unknownDetector(let d, _): d
        case .unknownKey(let d, _, _), .invalidValue(let d, _, _, _): d
        }
    }

    /// The offending key, nil when the whole detector section is unknown.
    public var key: String? {
        switch self {
        case .unknownDetector: nil
        case .unknownKey(_, let k, _), .invalidValue(_, let k, _, _): k
        }
    }

    public var description: String {
        switch self {
        case .unknownDetector(let d, let known):
            "unknown detector '\(d)' (known: \(known.joined(separator: ", ")))"
        case .unknownKey(let d, let k, let known):
            "unknown threshold '\(k)' for detector '\(d)' (known: \(known.joined(separator: ", ")))"
        case .invalidValue(let d, let k, let v, let reason):
            "invalid value \(DetectorSettings.format(v)) for '\(d).\(k)': \(reason)"
        }
    }
}

// MARK: - Per-detector thresholds (defaults = Pipelines/detectors.yaml)

extension DetectorSettings {
    public struct VolumeSpike: Sendable, Hashable {
        /// Years of history forming the baseline.
        public var baselineYears = 5
        /// Fewer covered baseline years than this: no verdict.
        public var minBaselineYears = 3
        /// Robust z (log1p tonnes vs trend prediction) needed to fire.
        public var zThreshold = 4.0
        /// Floor of the residual scale in log1p(t) units (0.3 ≈ ±35 %).
        public var minLogScale = 0.3
        /// Largest yearly growth a trend may explain (1.0 = +100 %/year).
        public var maxTrendGrowth = 1.0
        /// Observed tonnes must reach this.
        public var minTonnes = 5.0
        /// Observed minus expected tonnes must reach this.
        public var minIncreaseTonnes = 2.0
        /// Observed / expected must reach this.
        public var minRatio = 2.0
        /// A rolling 12-month window needs this many months the reporter published.
        public var minCoveredMonths = 10
        /// Partner series whose baseline median is below this are left to new_partner.
        public var partnerMinBaselineTonnes = 0.5
        /// 1: also judge each month against its own trailing months and the same month of earlier years.
        public var monthlyCheck = true
        /// Trailing months forming a month's baseline.
        public var monthlyBaselineMonths = 24
        /// Fewer published trailing months than this: no monthly verdict.
        public var monthlyMinBaselineMonths = 12
        /// Share of the trailing months that must carry shipments (lumpy lot series are left to the 12-month check).
        public var monthlyMinActiveShare = 0.75
        /// Earlier years whose same calendar month sets the seasonal allowance.
        public var monthlySeasonalYears = 3
        /// A month must reach this multiple of its expectation (months are noisier than 12-month sums).
        public var monthlyMinRatio = 3.0
        public var severityMedium = 5.0
        public var severityHigh = 8.0
    }

    public struct NewPartner: Sendable, Hashable {
        public var baselineYears = 5
        public var minBaselineYears = 2
        /// A partner whose baseline median is at most this many tonnes has "no history".
        public var negligibleTonnes = 0.5
        /// … and whose share of the code never exceeded this in the baseline.
        public var negligibleShare = 0.05
        /// The new partner must take at least this many tonnes …
        public var minTonnes = 5.0
        /// … and at least this share of the code's exports in the year.
        public var minShare = 0.15
        public var severityMedium = 0.25
        public var severityHigh = 0.5
    }

    public struct MirrorGap: Sendable, Hashable {
        /// CIF/FOB margin taken off CIF import values before comparing (0.06 = 6 %, cf. IMF DOTS).
        public var cifFobAllowance = 0.06
        /// Relative gap (larger − smaller) / smaller needed to fire.
        public var minGap = 0.25
        /// Absolute value difference needed for a USD gap to count.
        public var minUsdDifference = 50_000.0
        /// Absolute weight difference (t) needed for a kg gap to count.
        public var minTonnesDifference = 1.0
        /// The larger side of a compared window must carry this many tonnes (shipping-lag noise floor).
        public var minTonnes = 10.0
        /// Shipping lag (months) a difference may be explained by: the exporter's shipments in this many
        /// months before a window (or at its end) may be declared by the importer inside (or after) it.
        public var lagMonths = 1
        /// Multiplier applied to a kg gap when either side's weights are partly estimated.
        public var estimatedWeightFactor = 0.5
        /// Cap on the relative gap when one side declares (almost) nothing.
        public var gapCap = 10.0
        public var severityMedium = 0.5
        public var severityHigh = 1.0
    }

    public struct TransshipmentConduit: Sendable, Hashable {
        public var baselineYears = 3
        /// Months of a rolling window judged where both legs are monthly.
        public var windowMonths = 6
        /// Trailing months before a window forming each leg's monthly baseline (at least half covered).
        public var baselineMonths = 24
        /// K → D shipments may follow O → K by 0…this many months.
        public var maxLagMonths = 3
        /// Both legs must carry at least this many tonnes in the year.
        public var minTonnes = 5.0
        /// Both legs must be at least this multiple of their baseline median (floored).
        public var surgeRatio = 3.0
        /// Floor (t) of a leg's baseline median.
        public var floorTonnes = 1.0
        /// Freund: K's imports from O ≥ this share of D's imports from K.
        public var minLegCoverage = 0.75
        /// K's mine production (t REO, USGS) must be below this multiple of the K → D leg.
        public var maxProductionRatio = 1.0
        /// Severity by estimated transshipped tonnes.
        public var severityMedium = 25.0
        public var severityHigh = 100.0
    }

    public struct UnitValueOutlier: Sendable, Hashable {
        /// Observations lighter than this (t) are not judged.
        public var minTonnes = 1.0
        /// The code's distribution needs this many observations.
        public var minPeers = 6
        /// Peers come from the observation's year ± this many years.
        public var peerWindowYears = 1
        public var zThreshold = 4.0
        /// Floor of the scale of log unit values (0.25 ≈ ±28 %).
        public var minLogScale = 0.25
        /// The unit value must also be this many times off the median (either way).
        public var minRatio = 2.0
        /// 1: ignore observations whose weight the publisher estimated; 0: judge them.
        public var excludeEstimatedWeights = true
        /// Lots from this weight up to `min_tonnes` are judged too, but only when grossly off (below).
        public var smallLotMinTonnes = 0.2
        /// A small lot must be at least this many times off the median (either way) …
        public var smallLotMinRatio = 20.0
        /// … and reach this |robust z|.
        public var smallLotZThreshold = 8.0
        /// A series with this many other observations in the window must itself be `min_ratio` off its own median.
        public var seriesMinHistory = 6
        /// Findings of one series at most this many months apart form one episode.
        public var episodeGapMonths = 2
        public var severityMedium = 6.0
        public var severityHigh = 9.0
    }

    public struct ControlDiversion: Sendable, Hashable {
        /// Pre and post windows around the effective month (months; years for annual data).
        public var windowMonths = 12
        /// Fewer months after the date (before data end or suspension): no verdict.
        public var minPostMonths = 3
        /// The diversion channel must gain at least this many tonnes.
        public var minTonnes = 5.0
        /// Controlled flows must fall at least this much (0.3 = −30 %).
        public var minControlledDrop = 0.3
        /// A catch-all code must rise at least this much (0.5 = +50 %).
        public var minCatchAllRise = 0.5
        /// Share of the fall that reappears in the channel needed to fire (the score).
        public var minOffsetShare = 0.2
        /// A third-country route must grow at least this many times its pre level (floored).
        public var routeRiseRatio = 2.0
        public var floorTonnes = 1.0
        /// Per buyer: the catch-all's rise must be at least this share of the controlled line's fall …
        public var buyerMinOffsetShare = 0.5
        /// … and at most this multiple of it (a comparable tonnage, not an unrelated boom).
        public var buyerMaxOffsetShare = 2.0
        public var severityMedium = 0.5
        public var severityHigh = 0.8
    }

    public struct SourceConflict: Sendable, Hashable {
        /// Relative difference (larger − smaller) / smaller, in kg or USD, needed to fire.
        public var minDifference = 0.1
        /// Absolute weight difference (t) needed for a kg difference to count.
        public var minTonnesDifference = 5.0
        /// Absolute value difference (USD) needed for a USD difference to count.
        public var minUsdDifference = 100_000.0
        /// Cap on the relative difference when one source declares (almost) nothing.
        public var differenceCap = 10.0
        public var severityMedium = 0.3
        public var severityHigh = 1.0
    }
}

// MARK: - Parameter table

extension DetectorSettings {
    struct Parameter {
        let name: String
        let get: (DetectorSettings) -> Double
        let set: (inout DetectorSettings, Double, String) throws -> Void

        static func real(_ name: String, _ path: WritableKeyPath<DetectorSettings, Double>,
                         _ range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) -> Parameter {
            Parameter(name: name, get: { $0[keyPath: path] }, set: { s, v, d in
                guard v.isFinite, range.contains(v) else {
                    throw DetectorSettingsError.invalidValue(detector: d, key: name, value: v,
                        reason: "must be between \(format(range.lowerBound)) and \(range.upperBound == .greatestFiniteMagnitude ? "∞" : format(range.upperBound))")
                }
                s[keyPath: path] = v
            })
        }

        static func int(_ name: String, _ path: WritableKeyPath<DetectorSettings, Int>, _ range: ClosedRange<Int>) -> Parameter {
            Parameter(name: name, get: { Double($0[keyPath: path]) }, set: { s, v, d in
                guard v.isFinite, v == v.rounded(), range.contains(Int(v)) else {
                    throw DetectorSettingsError.invalidValue(detector: d, key: name, value: v,
                        reason: "must be a whole number between \(range.lowerBound) and \(range.upperBound)")
                }
                s[keyPath: path] = Int(v)
            })
        }

        static func flag(_ name: String, _ path: WritableKeyPath<DetectorSettings, Bool>) -> Parameter {
            Parameter(name: name, get: { $0[keyPath: path] ? 1 : 0 }, set: { s, v, d in
                guard v == 0 || v == 1 else {
                    throw DetectorSettingsError.invalidValue(detector: d, key: name, value: v, reason: "must be 0 or 1")
                }
                s[keyPath: path] = v == 1
            })
        }
    }

    static var parameterTable: [String: [Parameter]] {
        [
            "volume_spike": [
                .int("baseline_years", \.volumeSpike.baselineYears, 1...50),
                .int("min_baseline_years", \.volumeSpike.minBaselineYears, 1...50),
                .real("z_threshold", \.volumeSpike.zThreshold),
                .real("min_log_scale", \.volumeSpike.minLogScale),
                .real("max_trend_growth", \.volumeSpike.maxTrendGrowth),
                .real("min_tonnes", \.volumeSpike.minTonnes),
                .real("min_increase_tonnes", \.volumeSpike.minIncreaseTonnes),
                .real("min_ratio", \.volumeSpike.minRatio),
                .int("min_covered_months", \.volumeSpike.minCoveredMonths, 1...12),
                .real("partner_min_baseline_tonnes", \.volumeSpike.partnerMinBaselineTonnes),
                .flag("monthly_check", \.volumeSpike.monthlyCheck),
                .int("monthly_baseline_months", \.volumeSpike.monthlyBaselineMonths, 3...120),
                .int("monthly_min_baseline_months", \.volumeSpike.monthlyMinBaselineMonths, 1...120),
                .real("monthly_min_active_share", \.volumeSpike.monthlyMinActiveShare, 0...1),
                .int("monthly_seasonal_years", \.volumeSpike.monthlySeasonalYears, 0...20),
                .real("monthly_min_ratio", \.volumeSpike.monthlyMinRatio, 1...Double.greatestFiniteMagnitude),
                .real("severity_medium", \.volumeSpike.severityMedium),
                .real("severity_high", \.volumeSpike.severityHigh),
            ],
            "new_partner": [
                .int("baseline_years", \.newPartner.baselineYears, 1...50),
                .int("min_baseline_years", \.newPartner.minBaselineYears, 1...50),
                .real("negligible_tonnes", \.newPartner.negligibleTonnes),
                .real("negligible_share", \.newPartner.negligibleShare, 0...1),
                .real("min_tonnes", \.newPartner.minTonnes),
                .real("min_share", \.newPartner.minShare, 0...1),
                .real("severity_medium", \.newPartner.severityMedium, 0...1),
                .real("severity_high", \.newPartner.severityHigh, 0...1),
            ],
            "mirror_gap": [
                .real("cif_fob_allowance", \.mirrorGap.cifFobAllowance, 0...1),
                .real("min_gap", \.mirrorGap.minGap),
                .real("min_usd_difference", \.mirrorGap.minUsdDifference),
                .real("min_tonnes_difference", \.mirrorGap.minTonnesDifference),
                .real("min_tonnes", \.mirrorGap.minTonnes),
                .int("lag_months", \.mirrorGap.lagMonths, 0...11),
                .real("estimated_weight_factor", \.mirrorGap.estimatedWeightFactor, 0...1),
                .real("gap_cap", \.mirrorGap.gapCap),
                .real("severity_medium", \.mirrorGap.severityMedium),
                .real("severity_high", \.mirrorGap.severityHigh),
            ],
            "transshipment_conduit": [
                .int("baseline_years", \.transshipmentConduit.baselineYears, 1...50),
                .int("window_months", \.transshipmentConduit.windowMonths, 1...24),
                .int("baseline_months", \.transshipmentConduit.baselineMonths, 2...120),
                .int("max_lag_months", \.transshipmentConduit.maxLagMonths, 0...11),
                .real("min_tonnes", \.transshipmentConduit.minTonnes),
                .real("surge_ratio", \.transshipmentConduit.surgeRatio),
                .real("floor_tonnes", \.transshipmentConduit.floorTonnes),
                .real("min_leg_coverage", \.transshipmentConduit.minLegCoverage),
                .real("max_production_ratio", \.transshipmentConduit.maxProductionRatio),
                .real("severity_medium", \.transshipmentConduit.severityMedium),
                .real("severity_high", \.transshipmentConduit.severityHigh),
            ],
            "unit_value_outlier": [
                .real("min_tonnes", \.unitValueOutlier.minTonnes),
                .int("min_peers", \.unitValueOutlier.minPeers, 2...100_000),
                .int("peer_window_years", \.unitValueOutlier.peerWindowYears, 0...50),
                .real("z_threshold", \.unitValueOutlier.zThreshold),
                .real("min_log_scale", \.unitValueOutlier.minLogScale),
                .real("min_ratio", \.unitValueOutlier.minRatio, 1...Double.greatestFiniteMagnitude),
                .flag("exclude_estimated_weights", \.unitValueOutlier.excludeEstimatedWeights),
                .real("small_lot_min_tonnes", \.unitValueOutlier.smallLotMinTonnes),
                .real("small_lot_min_ratio", \.unitValueOutlier.smallLotMinRatio, 1...Double.greatestFiniteMagnitude),
                .real("small_lot_z_threshold", \.unitValueOutlier.smallLotZThreshold),
                .int("series_min_history", \.unitValueOutlier.seriesMinHistory, 1...1000),
                .int("episode_gap_months", \.unitValueOutlier.episodeGapMonths, 0...120),
                .real("severity_medium", \.unitValueOutlier.severityMedium),
                .real("severity_high", \.unitValueOutlier.severityHigh),
            ],
            "control_diversion": [
                .int("window_months", \.controlDiversion.windowMonths, 1...36),
                .int("min_post_months", \.controlDiversion.minPostMonths, 1...36),
                .real("min_tonnes", \.controlDiversion.minTonnes),
                .real("min_controlled_drop", \.controlDiversion.minControlledDrop, 0...1),
                .real("min_catch_all_rise", \.controlDiversion.minCatchAllRise),
                .real("min_offset_share", \.controlDiversion.minOffsetShare),
                .real("route_rise_ratio", \.controlDiversion.routeRiseRatio),
                .real("floor_tonnes", \.controlDiversion.floorTonnes),
                .real("buyer_min_offset_share", \.controlDiversion.buyerMinOffsetShare),
                .real("buyer_max_offset_share", \.controlDiversion.buyerMaxOffsetShare),
                .real("severity_medium", \.controlDiversion.severityMedium),
                .real("severity_high", \.controlDiversion.severityHigh),
            ],
            "source_conflict": [
                .real("min_difference", \.sourceConflict.minDifference),
                .real("min_tonnes_difference", \.sourceConflict.minTonnesDifference),
                .real("min_usd_difference", \.sourceConflict.minUsdDifference),
                .real("difference_cap", \.sourceConflict.differenceCap),
                .real("severity_medium", \.sourceConflict.severityMedium),
                .real("severity_high", \.sourceConflict.severityHigh),
            ],
        ]
    }
}
